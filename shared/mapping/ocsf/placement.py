"""What places an OCSF event: its class and its time. Pure.

These are the only reads of an OCSF event that can refuse it (InvalidEvent); every other
field is optional. The mapper calls them, and so does intake, which places an event
without mapping it: one code, so the two cannot disagree on what gets a 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.core.errors import InvalidEvent
from shared.mapping.fields import Loc, int_value
from shared.mapping.ocsf.reader import Reader
from shared.mapping.timeparse import TimeParseError, parse_event_time


def class_uid(event: dict[str, Any], base: Loc) -> int:
    """The one field without which an event cannot be placed; a sender that left it out
    but sent `type_uid` (class * 100 + activity) has named it all the same."""
    value = event.get("class_uid")
    if value is None:
        type_uid = event.get("type_uid")
        if type_uid is None:
            raise InvalidEvent((*base, "class_uid"), "field required")
        return int_value(type_uid, (*base, "type_uid"), 0, 99_999_999) // 100
    return int_value(value, (*base, "class_uid"), 0, 999_999)


def event_time(event: dict[str, Any], base: Loc, received_at: datetime, read: Reader) -> datetime:
    """`time`, else `time_dt` (the datetime profile's copy), else the receipt time.

    A `time` that is present but unusable is refused unless `time_dt` places the event
    (then `time` is reported dropped through `read`).
    """
    raw_time, backup = event.get("time"), event.get("time_dt")
    if raw_time is None and backup is None:
        return received_at
    try:
        return parse_event_time(raw_time if raw_time is not None else backup)
    except TimeParseError as exc:
        if raw_time is not None and backup is not None:
            try:
                placed = parse_event_time(backup)
            except TimeParseError:
                pass
            else:
                read.drop((*base, "time"), str(exc))
                return placed
        field = "time" if raw_time is not None else "time_dt"
        raise InvalidEvent((*base, field), str(exc)) from None


def place_ocsf(event: dict[str, Any], received_at: datetime, base: Loc = ("event",)) -> None:
    """Raise the InvalidEvent that mapping this event would raise, in the same order
    (class first), and nothing else."""
    class_uid(event, base)
    event_time(event, base, received_at, Reader())
