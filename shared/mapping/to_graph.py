"""Envelope contents to a GraphEvent, whatever the source format; or only the check that
the event can be placed, which refuses exactly what mapping would refuse.

CEF and syslog lines are parsed, translated to an OCSF-shaped dict, and then take the
same path as OCSF JSON, so every format yields the same entity keys.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shared.core.errors import InvalidEvent
from shared.mapping.formats.cef import parse_cef
from shared.mapping.formats.cef_ocsf import cef_to_ocsf
from shared.mapping.formats.draft import OcsfDraft
from shared.mapping.formats.syslog import parse_syslog
from shared.mapping.formats.syslog_ocsf import syslog_to_ocsf
from shared.mapping.graph_model import GraphEvent
from shared.mapping.ocsf.mapper import ocsf_to_graph_event, raw_json
from shared.mapping.ocsf.placement import place_ocsf


def to_graph_event(
    event_id: str, source_format: str, event: dict[str, Any] | str, received_at: datetime
) -> GraphEvent:
    """Pure: the same inputs always give the same GraphEvent, or the same InvalidEvent."""
    if source_format == "ocsf":
        return ocsf_to_graph_event(event_id, _ocsf_object(event), received_at)
    line = _line(source_format, event)
    draft = _translated(source_format, line, received_at)
    try:
        return ocsf_to_graph_event(
            event_id,
            draft.event,
            received_at,
            source_format,
            raw=stored_raw(line),
            extra_props=draft.extra_props,
            dropped=draft.dropped,
        )
    except InvalidEvent as exc:
        raise _against_line(exc) from None


def check_placeable(source_format: str, event: dict[str, Any] | str, received_at: datetime) -> None:
    """Raise the InvalidEvent `to_graph_event` would raise for this event, else nothing.

    Pure and far cheaper than mapping: the object's class and time are read, and a line
    is parsed and translated (its refusals live there), but no schema is walked.
    """
    if source_format == "ocsf":
        place_ocsf(_ocsf_object(event), received_at)
        return
    draft = _translated(source_format, _line(source_format, event), received_at)
    try:
        place_ocsf(draft.event, received_at)
    except InvalidEvent as exc:
        raise _against_line(exc) from None


def stored_raw(event: dict[str, Any] | str) -> str:
    """The `raw` property `to_graph_event` gives this event."""
    if isinstance(event, str):
        # A line is stored as a JSON string so readers decode `raw` the same way for
        # every format.
        return json.dumps(event, ensure_ascii=False)
    return raw_json(event)


def _ocsf_object(event: dict[str, Any] | str) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise InvalidEvent(("event",), "must be a JSON object for source_format 'ocsf'")
    return event


def _line(source_format: str, event: dict[str, Any] | str) -> str:
    if source_format not in ("cef", "syslog"):
        raise InvalidEvent(("source_format",), f"'{source_format}' is not supported")
    if not isinstance(event, str):
        raise InvalidEvent(
            ("event",), f"must be a string holding one line for source_format '{source_format}'"
        )
    return event


def _translated(source_format: str, line: str, received_at: datetime) -> OcsfDraft:
    if source_format == "cef":
        return cef_to_ocsf(parse_cef(line, received_at), received_at)
    return syslog_to_ocsf(parse_syslog(line, received_at))


def _against_line(exc: InvalidEvent) -> InvalidEvent:
    # The path points into the translated dict, which the client never saw: report it
    # against the line, naming the OCSF field that was refused.
    field = ".".join(str(part) for part in exc.loc[1:])
    return InvalidEvent(("event",), f"{field}: {exc.msg}" if field else exc.msg)
