"""One submitted item to an accepted event, or the reasons it is refused. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.core.errors import InvalidEvent
from shared.kafka_io.codec import EncodedRecord, EventRecord
from shared.mapping.envelope import Envelope, resolve_event_id
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import check_placeable, to_graph_event

# Below Kafka's default message.max.bytes (1 MiB) with room for the record's framing.
DEFAULT_MAX_EVENT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    record: EventRecord
    encoded: EncodedRecord
    # The id came from the envelope, the event or an Idempotency-Key, not a fresh UUID:
    # only such an event can be a re-send of one already stored.
    named: bool
    # Mapped at intake when the event is meant for Neo4j directly; None when it was only
    # placed, for Kafka (graph_writer maps it; the fallback maps it with `graph_of`).
    graph_event: GraphEvent | None = None

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
    map_now: bool = False,
) -> AcceptedEvent | RejectedItem:
    """Place the item (`map_now`: map it too) and build its record.

    Placing refuses exactly what mapping would (`check_placeable`), so whether an event
    is mapped here or by graph_writer, the same events get a 422.
    """
    try:
        envelope = Envelope.model_validate(item)
    except ValidationError as exc:
        return RejectedItem(
            [{"loc": list(err["loc"]), "msg": err["msg"]} for err in exc.errors(include_url=False)]
        )
    resolved = resolve_event_id(envelope, idempotency_key)
    graph_event: GraphEvent | None = None
    try:
        if map_now:
            graph_event = to_graph_event(
                resolved.value, envelope.source_format, envelope.event, received_at
            )
        else:
            check_placeable(envelope.source_format, envelope.event, received_at)
    except InvalidEvent as exc:
        return RejectedItem([{"loc": list(exc.loc), "msg": exc.msg}])
    record = EventRecord(resolved.value, envelope.source_format, envelope.event, received_at)
    encoded = record.encode()
    if len(encoded.value) > max_event_bytes:
        # One oversized record would otherwise fail its Kafka send and open the breaker
        # for every client. Refused in direct mode too, so both modes take the same events.
        detail = [{"loc": ["event"], "msg": f"event encodes to more than {max_event_bytes} bytes"}]
        return RejectedItem(detail, status=413)
    return AcceptedEvent(record, encoded, resolved.named, graph_event)


def graph_of(event: AcceptedEvent) -> GraphEvent:
    """The event's graph: as mapped at intake, else mapped now (InvalidEvent if it cannot
    be, which placing it has ruled out)."""
    if event.graph_event is not None:
        return event.graph_event
    r = event.record
    return to_graph_event(r.id, r.source_format, r.event, r.received_at)
