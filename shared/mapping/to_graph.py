"""Envelope contents to a GraphEvent, whatever the source format.

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


def to_graph_event(
    event_id: str, source_format: str, event: dict[str, Any] | str, received_at: datetime
) -> GraphEvent:
    """Pure: the same inputs always give the same GraphEvent, or the same InvalidEvent."""
    if source_format == "ocsf":
        if not isinstance(event, dict):
            raise InvalidEvent(("event",), "must be a JSON object for source_format 'ocsf'")
        return ocsf_to_graph_event(event_id, event, received_at)
    if source_format in ("cef", "syslog"):
        if not isinstance(event, str):
            raise InvalidEvent(
                ("event",), f"must be a string holding one line for source_format '{source_format}'"
            )
        if source_format == "cef":
            draft = cef_to_ocsf(parse_cef(event, received_at), received_at)
        else:
            draft = syslog_to_ocsf(parse_syslog(event, received_at))
        return _from_draft(event_id, source_format, event, draft, received_at)
    raise InvalidEvent(("source_format",), f"'{source_format}' is not supported")


def stored_raw(event: dict[str, Any] | str) -> str:
    """The `raw` property `to_graph_event` gives this event."""
    if isinstance(event, str):
        # A line is stored as a JSON string so readers decode `raw` the same way for
        # every format.
        return json.dumps(event, ensure_ascii=False)
    return raw_json(event)


def _from_draft(
    event_id: str, source_format: str, line: str, draft: OcsfDraft, received_at: datetime
) -> GraphEvent:
    try:
        return ocsf_to_graph_event(
            event_id,
            draft.event,
            received_at,
            source_format,
            raw=stored_raw(line),
            extra_props=draft.extra_props,
        )
    except InvalidEvent as exc:
        # The path points into the translated dict, which the client never saw: report
        # it against the line, naming the OCSF field that was refused.
        field = ".".join(str(part) for part in exc.loc[1:])
        raise InvalidEvent(("event",), f"{field}: {exc.msg}" if field else exc.msg) from None
