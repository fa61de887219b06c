"""Make accepted events durable: through Kafka when it answers, else straight into Neo4j."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from neo4j.exceptions import Neo4jError

from ingest_api import metrics
from ingest_api.intake import AcceptedEvent, graph_of
from ingest_api.kafka_publisher import KafkaPublisher, KafkaUnavailable
from ingest_api.stored_ids import StoredIdLookup
from shared.core.errors import BlueprintError, InvalidEvent, StoreUnavailable
from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.reject_isolation import write_isolating_rejects
from shared.neo4j_store.repository import GraphRepository, WriteRejected, WriteResult

log = logging.getLogger(__name__)

Route = Literal["kafka", "direct"]


class NothingDurable(BlueprintError):
    """Neither Kafka nor Neo4j took the events; the client should retry later."""


@dataclass(frozen=True, slots=True)
class Stored:
    """Durable. `duplicate`: an event with this id was stored before; None if unknown.
    `graph`: what the event was mapped to, when it was mapped here (direct path); None
    through Kafka, where graph_writer maps it."""

    event: AcceptedEvent
    duplicate: bool | None
    graph: GraphEvent | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """Neo4j can never store this event (direct path); `reason` says why."""

    event: AcceptedEvent
    reason: str


EventOutcome = Stored | Refused


@dataclass(frozen=True, slots=True)
class Dispatched:
    route: Route
    outcomes: list[EventOutcome]  # one per submitted event, in submission order


class EventDispatcher:
    def __init__(
        self,
        repository: GraphRepository,
        publisher: KafkaPublisher | None,
        fallback_enabled: bool,
        duplicate_lookup_timeout_s: float,
    ) -> None:
        self._repository = repository
        self._publisher = publisher
        self._fallback_enabled = fallback_enabled
        self._stored_ids = StoredIdLookup(repository.existing_event_ids, duplicate_lookup_timeout_s)

    async def submit(self, events: Sequence[AcceptedEvent], request_id: str | None) -> Dispatched:
        """Return only when every event is durable or refused for good, with each outcome.

        Raises NothingDurable when neither Kafka nor Neo4j took them.
        """
        if self._publisher is not None:
            dispatched = await self._via_kafka(self._publisher, events, request_id)
            if dispatched is not None:
                return dispatched
        return await self._direct(events)

    async def _via_kafka(
        self, publisher: KafkaPublisher, events: Sequence[AcceptedEvent], request_id: str | None
    ) -> Dispatched | None:
        """None when Kafka did not take the events and the direct path should."""
        # Looked up before the send: afterwards, graph_writer may already have written
        # this very event, which would then look like a duplicate of itself.
        existing = await self._stored_before(events) if publisher.available else frozenset()
        try:
            await publisher.publish([e.encoded for e in events], request_id)
        except KafkaUnavailable as exc:
            if not self._fallback_enabled:
                raise NothingDurable(str(exc)) from exc
            log.info("falling back to direct write: %s", exc, extra={"count": len(events)})
            return None
        metrics.EVENTS_KAFKA.inc(len(events))
        return Dispatched("kafka", _outcomes(events, existing, {}, {}))

    async def _stored_before(self, events: Sequence[AcceptedEvent]) -> frozenset[str] | None:
        named = [e.id for e in events if e.named]
        if not named:
            return frozenset()
        try:
            return await self._stored_ids.stored(named)
        except StoreUnavailable as exc:
            log.warning("cannot tell re-sent events, answering duplicate null: %s", exc)
            return None

    async def _direct(self, events: Sequence[AcceptedEvent]) -> Dispatched:
        # By identity throughout: two events of one request may share an id.
        graphs: dict[int, GraphEvent] = {}
        refused: dict[int, str] = {}
        for event in events:
            try:
                graphs[id(event)] = graph_of(event)
            except InvalidEvent as exc:
                # Placing the event ruled this out; should the mapping disagree, the event
                # is refused alone rather than failing the request.
                log.error("a placed event cannot be mapped: %s", exc, extra={"event_id": event.id})
                refused[id(event)] = f"the event cannot be mapped: {exc}"
        mappable = [e for e in events if id(e) in graphs]

        async def write(part: Sequence[AcceptedEvent]) -> WriteResult:
            return await self._repository.write_events([graphs[id(e)] for e in part])

        try:
            with metrics.NEO4J_WRITE_SECONDS.time():
                isolated = await write_isolating_rejects(mappable, write)
        except StoreUnavailable as exc:
            raise NothingDurable(str(exc)) from exc
        metrics.EVENTS_DIRECT.inc(len(mappable) - len(isolated.rejected))
        for event, error in isolated.rejected:
            log.warning("event refused by Neo4j: %s", error, extra={"event_id": event.id})
            refused[id(event)] = _reason(error)
        existing = frozenset(isolated.existing_ids)
        return Dispatched("direct", _outcomes(events, existing, refused, graphs))


def _outcomes(
    events: Sequence[AcceptedEvent],
    existing: frozenset[str] | None,
    refused: dict[int, str],
    graphs: dict[int, GraphEvent],
) -> list[EventOutcome]:
    outcomes: list[EventOutcome] = []
    stored_here: set[str] = set()
    for event in events:
        reason = refused.get(id(event))
        if reason is not None:
            outcomes.append(Refused(event, reason))
            continue
        duplicate: bool | None = False
        if event.named:
            if event.id in stored_here:
                duplicate = True  # sent twice in this one request
            elif existing is not None:
                duplicate = event.id in existing
            else:
                duplicate = None
            stored_here.add(event.id)
        outcomes.append(Stored(event, duplicate, graphs.get(id(event))))
    return outcomes


def _reason(error: WriteRejected) -> str:
    # Neo4j's first sentence says what is wrong ("Property value is too large to
    # index"); the rest names internal ids the client has no use for.
    cause = error.__cause__
    if isinstance(cause, Neo4jError) and cause.message:
        return f"Neo4j cannot store this event: {cause.message.split('. ', 1)[0].rstrip('.')}"
    return "Neo4j cannot store this event"
