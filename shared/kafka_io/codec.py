"""The Kafka record format: what ingest_api writes and graph_writer reads.

Version 2 (what ingest_api writes) is the normalized envelope: the event as received,
its id, format and receipt time. graph_writer maps it. Version 1, written by the
ingest_api before it, could also carry the graph the API had mapped (`graph`); it is
still read, so records of that ingest_api are written during a rolling upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from shared.core.errors import InvalidEvent
from shared.core.isotime import is_plain_utc

SCHEMA_VERSION: Final = 2
# The version whose records may carry the API's mapped graph.
GRAPH_SCHEMA_VERSION: Final = 1
CONTENT_TYPE: Final = "application/json"
# Carries the HTTP X-Request-ID, so one event can be followed from the API to the graph.
REQUEST_ID_HEADER: Final = "request-id"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A placed, normalized envelope: everything needed to map its graph event."""

    id: str
    source_format: str
    event: dict[str, Any] | str
    received_at: datetime
    # Only in a version 1 record: the graph the API mapped, as JSON-ready data the codec
    # does not read. A record built with one encodes as version 1 (what the previous
    # ingest_api wrote), so the upgrade path can be exercised.
    graph: dict[str, Any] | None = None

    def encode(self) -> EncodedRecord:
        return EncodedRecord(self.id.encode(), self.value())

    def key(self) -> bytes:
        return self.id.encode()

    def value(self) -> bytes:
        data = {
            "schema_version": SCHEMA_VERSION if self.graph is None else GRAPH_SCHEMA_VERSION,
            "id": self.id,
            "source_format": self.source_format,
            "event": self.event,
            # orjson writes a UTC datetime as isoformat() would, without the detour
            # through a str.
            "received_at": self.received_at
            if is_plain_utc(self.received_at)
            else self.received_at.isoformat(),
        }
        if self.graph is not None:
            data["graph"] = self.graph
        return orjson.dumps(data)


@dataclass(frozen=True, slots=True)
class EncodedRecord:
    """Key and value as they go on the wire, encoded once per event."""

    key: bytes
    value: bytes


def record_headers(request_id: str | None = None) -> list[tuple[str, bytes]]:
    headers = [
        ("content-type", CONTENT_TYPE.encode()),
        ("schema-version", str(SCHEMA_VERSION).encode()),
    ]
    if request_id:
        headers.append((REQUEST_ID_HEADER, request_id.encode()))
    return headers


def decode_record(value: bytes | None) -> EventRecord:
    """Raises InvalidEvent for anything that is not a record of a known schema version."""
    if value is None:
        raise InvalidEvent((), "record has no value")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent((), f"record value is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEvent((), "record value is not a JSON object")
    version = data.get("schema_version")
    if type(version) is not int or version not in (SCHEMA_VERSION, GRAPH_SCHEMA_VERSION):
        raise InvalidEvent(
            ("schema_version",), f"unsupported schema version {data.get('schema_version')!r}"
        )
    try:
        event_id = data["id"]
        source_format = data["source_format"]
        event = data["event"]
        received_at = datetime.fromisoformat(data["received_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidEvent((), f"record is missing or has a bad field: {exc}") from None
    if not isinstance(event_id, str) or not isinstance(source_format, str):
        raise InvalidEvent((), "record id and source_format must be strings")
    if not isinstance(event, dict | str):
        raise InvalidEvent(("event",), "must be an object or a string")
    if received_at.tzinfo is None:
        raise InvalidEvent(("received_at",), "must carry a UTC offset")
    # A version 2 record is always mapped by the writer, whatever else it holds.
    graph = data.get("graph") if version == GRAPH_SCHEMA_VERSION else None
    if graph is not None and not isinstance(graph, dict):
        raise InvalidEvent(("graph",), "must be an object")
    return EventRecord(event_id, source_format, event, received_at, graph)
