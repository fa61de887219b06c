"""`MMM dd [yyyy] HH:mm:ss` timestamps (BSD syslog, CEF `rt`), including the missing year.

RFC 3164 timestamps carry no year and no zone. The year is inferred from when the
line was received: the latest year that does not put the line more than one day
after `received_at`. So a `Dec 31 23:59:59` line received on 1 January lands in the
previous year, a line from June received in January lands last June (delayed and
replayed logs are common, logs from the future are not), and a `Jan  1 00:00:05`
line received at 23:59 on 31 December (a sender a little ahead) lands in the next
year. The one-day allowance also absorbs senders that write local time east of UTC.
Times without a zone are read as UTC; a zone may be an abbreviation from `_ZONES`, an
offset (`+0300`, `-05:30`, `GMT+03:00`) or an IANA name (`Europe/Moscow`), whose offset
depends on the date and so is looked up for the date in the line.

Some senders (Cisco IOS with `service timestamps log datetime year`, a few appliances)
write the year after the time and the month in capitals: `AUG 10 22:18:24 2009`.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from shared.mapping.timeparse import TimeParseError

MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

# Java's `zzz` in the CEF spec prints zone abbreviations; these are the unambiguous or
# conventional ones (CST is US Central, as ArcSight connectors print it). Anything else
# is refused rather than guessed, because a wrong offset silently moves the event.
_ZONES: Final = {
    "utc": 0,
    "gmt": 0,
    "ut": 0,
    "z": 0,
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
    "cet": 1,
    "cest": 2,
}

_TIMESTAMP: Final = re.compile(
    r"(?P<mon>[A-Za-z]{3}) {1,2}(?P<day>\d{1,2})(?: (?P<year>\d{4}))?"
    r" (?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<frac>\d{1,9}))?"
    r"(?(year)|(?: (?P<year_after>\d{4})(?= |$))?)",
    re.ASCII,
)
_OFFSET: Final = re.compile(r"(?:(?:GMT|UTC)(?=[+-]))?([+-])(\d{1,2})(?::?(\d{2}))?", re.ASCII)
# Area/Location names only: zoneinfo also reads bare file names ("EST5EDT", "Zulu"), and
# a name must never reach the file system as a path ("../", absolute paths).
_IANA_NAME: Final = re.compile(
    r"[A-Za-z][A-Za-z_\-]*(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*){1,2}", re.ASCII
)
_FUTURE_ALLOWANCE: Final = timedelta(days=1)


def match_timestamp(text: str, pos: int = 0) -> re.Match[str] | None:
    """Match a BSD timestamp at `pos` (zone not included)."""
    return _TIMESTAMP.match(text, pos)


def timestamp_from_match(
    match: re.Match[str], received_at: datetime, zone: str | tzinfo | None = None
) -> datetime:
    """The aware UTC datetime a `match_timestamp` match denotes; TimeParseError if none.

    `zone` is the sender's zone for a time that names none (text is read by `parse_zone`)."""
    month = MONTHS.get(match["mon"].lower())
    if month is None:
        raise TimeParseError(f"'{match['mon']}' is not a month abbreviation")
    day, hour, minute, second = (int(match[g]) for g in ("day", "hour", "minute", "second"))
    micro = int((match["frac"] or "0")[:6].ljust(6, "0"))
    if hour > 23 or minute > 59 or second > 60:
        raise TimeParseError(f"'{match[0]}' is not a valid time of day")
    second = min(second, 59)  # a leap second is kept as the last whole second
    tz = parse_zone(zone) if isinstance(zone, str) else zone or UTC
    year = match["year"] or match["year_after"]
    if year is not None:
        try:
            local = datetime(int(year), month, day, hour, minute, second, micro)
        except ValueError:
            raise TimeParseError(f"'{match[0]}' is not a valid date") from None
    else:
        received_local = received_at
        if tz is not UTC:  # most lines name no zone: skip two conversions for them
            try:
                # The receipt time on the sender's wall clock, marked UTC for infer_year.
                received_local = received_at.astimezone(tz).replace(tzinfo=UTC)
            except (OverflowError, ValueError):
                raise TimeParseError("the receipt time is out of range") from None
        local = infer_year(month, day, hour, minute, second, micro, received_local)
    if tz is UTC:
        return local.replace(tzinfo=UTC)
    try:
        return local.replace(tzinfo=tz).astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeParseError(f"'{match[0]}' is out of range") from None


def infer_year(
    month: int, day: int, hour: int, minute: int, second: int, micro: int, received_at: datetime
) -> datetime:
    """A naive datetime in the latest year at most one day after `received_at` (see above)."""
    try:
        limit = received_at.astimezone(UTC).replace(tzinfo=None) + _FUTURE_ALLOWANCE
    except OverflowError:
        raise TimeParseError("the receipt time is out of range") from None
    for year in (limit.year, limit.year - 1, limit.year - 2):
        try:
            candidate = datetime(year, month, day, hour, minute, second, micro)
        except ValueError:
            continue  # Feb 29 outside a leap year, or a day the month lacks
        if candidate <= limit:
            return candidate
    raise TimeParseError(
        f"month {month} day {day} is not a valid date in the two years up to receipt"
    )


def parse_zone(zone: str) -> tzinfo:
    """An abbreviation from `_ZONES`, an offset, or an IANA name; TimeParseError if none."""
    found = _zone(zone.strip())
    if found is None:
        raise TimeParseError(
            f"unknown time zone '{zone[:64]}'; use UTC, an offset like +0100 or an IANA name"
        )
    return found


@functools.lru_cache(maxsize=512)
def _zone(zone: str) -> tzinfo | None:
    hours = _ZONES.get(zone.lower())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    match = _OFFSET.fullmatch(zone)
    if match is not None:
        sign, hh, mm = match.groups()
        if int(hh) > 14 or int(mm or 0) > 59:
            return None
        delta = timedelta(hours=int(hh), minutes=int(mm or 0))
        return timezone(-delta if sign == "-" else delta)
    if _IANA_NAME.fullmatch(zone) is None:
        return None
    try:
        return ZoneInfo(zone)
    except (ValueError, KeyError, OSError):  # KeyError: ZoneInfoNotFoundError
        return None
