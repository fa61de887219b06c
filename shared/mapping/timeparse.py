"""Event times arrive as epoch milliseconds, epoch seconds or RFC 3339 text."""

from __future__ import annotations

from datetime import UTC, datetime

# Below this magnitude a number is read as seconds, above it as milliseconds.
# 1e11 s is the year 5138 and 1e11 ms is March 1973, so the only misreading is an
# epoch-milliseconds time before March 1973, which no live security event carries.
_SECONDS_MS_BOUNDARY = 1e11
_MIN = datetime(1970, 1, 1, tzinfo=UTC)
_MAX = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


class TimeParseError(ValueError):
    pass


def parse_event_time(value: object) -> datetime:
    """Return an aware UTC datetime or raise TimeParseError saying why not."""
    if isinstance(value, bool):
        raise TimeParseError("must be epoch milliseconds, epoch seconds or RFC 3339 text")
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            return _from_epoch(float(text))
        except ValueError:
            pass
        return _from_text(text)
    raise TimeParseError("must be epoch milliseconds, epoch seconds or RFC 3339 text")


def _from_epoch(number: float) -> datetime:
    if number != number or number in (float("inf"), float("-inf")):
        raise TimeParseError("is not a finite number")
    if number < 0:
        raise TimeParseError("is before 1970")
    seconds = number / 1000.0 if number >= _SECONDS_MS_BOUNDARY else number
    if seconds > _MAX.timestamp():
        raise TimeParseError("is after the year 9999")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _from_text(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TimeParseError("is not epoch milliseconds, epoch seconds or RFC 3339") from None
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
