"""Event times arrive as epoch seconds, ms, us or ns (told apart by magnitude) or RFC 3339 text."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# An epoch number's unit, told by its magnitude: seconds below 1e11 (the year 5138),
# milliseconds below 1e14, microseconds below 1e17, else nanoseconds. The only
# misreadings are times before March 1973 in the finer units, which no live security
# event carries.
_UNITS = ((1e11, 1.0), (1e14, 1e3), (1e17, 1e6))
_NANOSECONDS = 1e9
_MIN = datetime(1970, 1, 1, tzinfo=UTC)
_MAX = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_MAX_SECONDS = _MAX.timestamp()


# `2024-03-14 10:00:00 UTC`: ISO 8601 but for the zone's name.
_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_SUFFIX_ENDS = frozenset("CcTtZz")


class TimeParseError(ValueError):
    pass


def _rfc2822(text: str) -> datetime:
    """`Thu, 14 Mar 2024 10:00:00 GMT`, as HTTP and e-mail headers write times."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise TimeParseError("is not epoch seconds, ms, us or ns, nor RFC 3339") from None


def parse_event_time(value: object) -> datetime:
    """Return an aware UTC datetime or raise TimeParseError saying why not."""
    if isinstance(value, bool):
        raise TimeParseError("must be epoch seconds, ms, us or ns, or RFC 3339 text")
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if isinstance(value, str):
        text = value.strip()
        # No text float() accepts holds a colon, and every RFC 3339 time does: skip the
        # failing parse (an exception per event) for those.
        if ":" not in text:
            try:
                return _from_epoch(float(text))
            except ValueError:
                pass
        return _from_text(text)
    raise TimeParseError("must be epoch seconds, ms, us or ns, or RFC 3339 text")


def _from_epoch(number: float) -> datetime:
    if not math.isfinite(number):
        raise TimeParseError("is not a finite number")
    if number < 0:
        raise TimeParseError("is before 1970")
    divisor = _NANOSECONDS
    for bound, unit in _UNITS:
        if number < bound:
            divisor = unit
            break
    seconds = number / divisor
    if seconds > _MAX_SECONDS:
        raise TimeParseError("is after the year 9999")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _from_text(text: str) -> datetime:
    try:
        # The suffix ends in C, T or Z: most times end in a digit, and skip the regex.
        named_zone = text[-1:] in _SUFFIX_ENDS
        parsed = datetime.fromisoformat(_UTC_SUFFIX.sub("+00:00", text) if named_zone else text)
    except ValueError:
        parsed = _rfc2822(text)
    if parsed.tzinfo is None:
        # RFC 3339 requires an offset; producers that omit it mean UTC in practice.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise TimeParseError("is out of range") from None
    if parsed < _MIN:
        raise TimeParseError("is before 1970")
    return parsed
