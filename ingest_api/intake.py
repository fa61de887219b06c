"""One submitted item to an accepted event, or the reasons it is refused. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.envelope import Envelope, resolve_event_id
from shared.errors import InvalidEvent
from shared.graph_model import GraphEvent
from shared.kafka_codec import EventRecord
from shared.mapping import to_graph_event


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    record: EventRecord
    graph_event: GraphEvent

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True, slots=True)
class RejectedItem:
    detail: list[dict[str, Any]]


def accept_item(
    item: Any, idempotency_key: str | None, received_at: datetime
) -> AcceptedEvent | RejectedItem:
    try:
        envelope = Envelope.model_validate(item)
    except ValidationError as exc:
        return RejectedItem(
            [{"loc": list(err["loc"]), "msg": err["msg"]} for err in exc.errors(include_url=False)]
        )
    event_id = resolve_event_id(envelope, idempotency_key)
    try:
        graph_event = to_graph_event(event_id, envelope.source_format, envelope.event, received_at)
    except InvalidEvent as exc:
        return RejectedItem([{"loc": list(exc.loc), "msg": exc.msg}])
    record = EventRecord(event_id, envelope.source_format, envelope.event, received_at)
    return AcceptedEvent(record, graph_event)
