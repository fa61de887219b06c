"""Make accepted events durable: through Kafka when it answers, else straight into Neo4j."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from neo4j.exceptions import Neo4jError

from ingest_api import metrics
from ingest_api.intake import AcceptedEvent
from ingest_api.kafka_publisher import KafkaPublisher, KafkaUnavailable
from shared.core.errors import BlueprintError, StoreUnavailable
from shared.neo4j_store.reject_isolation import write_isolating_rejects
from shared.neo4j_store.repository import GraphRepository, WriteRejected, WriteResult

log = logging.getLogger(__name__)

Route = Literal["kafka", "direct"]


class NothingDurable(BlueprintError):
    """Neither Kafka nor Neo4j took the events; the client should retry later."""


class Refused(BlueprintError):
    """Neo4j can never store some of the events (direct path); every other one is durable.

    `reasons` maps the position of each refused event in the submitted sequence to why.
    """

    def __init__(self, reasons: dict[int, str]) -> None:
        super().__init__(f"{len(reasons)} event(s) refused by Neo4j")
        self.reasons = reasons


class EventDispatcher:
    def __init__(
        self,
        repository: GraphRepository,
        publisher: KafkaPublisher | None,
        fallback_enabled: bool,
    ) -> None:
        self._repository = repository
        self._publisher = publisher
        self._fallback_enabled = fallback_enabled

    async def submit(self, events: Sequence[AcceptedEvent], request_id: str | None) -> Route:
        """Return only when every event is durable, and say where it went.

        Raises Refused, once every other event is durable, when Neo4j can never store
        some of them (direct path only: through Kafka, graph_writer dead-letters those).
        """
        if self._publisher is not None:
            try:
                await self._publisher.publish([e.encoded for e in events], request_id)
            except KafkaUnavailable as exc:
                if not self._fallback_enabled:
                    raise NothingDurable(str(exc)) from exc
                log.info("falling back to direct write: %s", exc, extra={"count": len(events)})
            else:
                metrics.EVENTS_KAFKA.inc(len(events))
                return "kafka"

        async def write(positions: Sequence[int]) -> WriteResult:
            return await self._repository.write_events([events[i].graph_event for i in positions])

        try:
            with metrics.NEO4J_WRITE_SECONDS.time():
                outcome = await write_isolating_rejects(range(len(events)), write)
        except StoreUnavailable as exc:
            raise NothingDurable(str(exc)) from exc
        metrics.EVENTS_DIRECT.inc(len(events) - len(outcome.rejected))
        if outcome.rejected:
            for position, error in outcome.rejected:
                log.warning(
                    "event refused by Neo4j: %s", error, extra={"event_id": events[position].id}
                )
            raise Refused({position: _reason(error) for position, error in outcome.rejected})
        return "direct"


def _reason(error: WriteRejected) -> str:
    # Neo4j's first sentence says what is wrong ("Property value is too large to
    # index"); the rest names internal ids the client has no use for.
    cause = error.__cause__
    if isinstance(cause, Neo4jError) and cause.message:
        return f"Neo4j cannot store this event: {cause.message.split('. ', 1)[0].rstrip('.')}"
    return "Neo4j cannot store this event"
