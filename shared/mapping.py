"""Envelope contents to a GraphEvent, whatever the source format."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.errors import InvalidEvent
from shared.graph_model import GraphEvent
from shared.ocsf import ocsf_to_graph_event


def to_graph_event(
    event_id: str, source_format: str, event: dict[str, Any] | str, received_at: datetime
) -> GraphEvent:
    """Pure: the same inputs always give the same GraphEvent, or the same InvalidEvent."""
    if source_format == "ocsf":
        if not isinstance(event, dict):
            raise InvalidEvent(("event",), "must be a JSON object for source_format 'ocsf'")
        return ocsf_to_graph_event(event_id, event, received_at)
    raise InvalidEvent(("source_format",), f"'{source_format}' is not supported yet")
