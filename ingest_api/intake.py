"""One submitted item to an accepted event, or the reasons it is refused. Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.core.errors import InvalidEvent
from shared.kafka_io.codec import EncodedRecord, EventRecord
from shared.mapping.envelope import Envelope, resolve_event_id
from shared.mapping.graph_model import GraphEvent
from shared.mapping.graph_wire import graph_to_wire
from shared.mapping.to_graph import to_graph_event

# Below Kafka's default message.max.bytes (1 MiB) with room for the record's framing.
DEFAULT_MAX_EVENT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    record: EventRecord
    encoded: EncodedRecord
    graph_event: GraphEvent
    # The id came from the envelope, the event or an Idempotency-Key, not a fresh UUID:
    # only such an event can be a re-send of one already stored.
    named: bool

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True, slots=True)
class RejectedItem:
    detail: list[dict[str, Any]]
    status: int = 422


def accept_item(
    item: Any,
    idempotency_key: str | None,
    received_at: datetime,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    carry_graph: bool = True,
) -> AcceptedEvent | RejectedItem:
    """`carry_graph`: put the mapped graph in the Kafka record (needless without Kafka)."""
    try:
        envelope = Envelope.model_validate(item)
    except ValidationError as exc:
        return RejectedItem(
            [{"loc": list(err["loc"]), "msg": err["msg"]} for err in exc.errors(include_url=False)]
        )
    resolved = resolve_event_id(envelope, idempotency_key)
    event_id = resolved.value
    try:
        graph_event = to_graph_event(event_id, envelope.source_format, envelope.event, received_at)
    except InvalidEvent as exc:
        return RejectedItem([{"loc": list(exc.loc), "msg": exc.msg}])
    record = kafka_record(graph_event, envelope.event, carry_graph)
    encoded = record.encode()
    if record.graph is not None and len(encoded.value) > max_event_bytes:
        # The mapped graph repeats much of the event; a large event goes without it, and
        # graph_writer maps it, rather than the graph halving the largest event accepted.
        record = replace(record, graph=None)
        encoded = record.encode()
    if len(encoded.value) > max_event_bytes:
        # One oversized record would otherwise fail its Kafka send and open the breaker
        # for every client.
        detail = [{"loc": ["event"], "msg": f"event encodes to more than {max_event_bytes} bytes"}]
        return RejectedItem(detail, status=413)
    return AcceptedEvent(record, encoded, graph_event, resolved.named)


def kafka_record(
    graph_event: GraphEvent, event: dict[str, Any] | str, carry_graph: bool = True
) -> EventRecord:
    """The record for Kafka: the event as received, and the graph it was mapped to."""
    return EventRecord(
        graph_event.id,
        graph_event.source_format,
        event,
        graph_event.received_at,
        graph_to_wire(graph_event) if carry_graph else None,
    )
