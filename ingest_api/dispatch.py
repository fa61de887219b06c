"""Make accepted events durable: through Kafka when it answers, else straight into Neo4j."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from ingest_api import metrics
from ingest_api.intake import AcceptedEvent
from ingest_api.kafka_publisher import KafkaPublisher, KafkaUnavailable
from shared.errors import BlueprintError, StoreUnavailable
from shared.repository import GraphRepository

log = logging.getLogger(__name__)

Route = Literal["kafka", "direct"]


class NothingDurable(BlueprintError):
    """Neither Kafka nor Neo4j took the events; the client should retry later."""

    retriable = True


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
        """Return only when every event is durable, and say where it went."""
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
        try:
            with metrics.NEO4J_WRITE_SECONDS.time():
                await self._repository.write_events([e.graph_event for e in events])
        except StoreUnavailable as exc:
            raise NothingDurable(str(exc)) from exc
        metrics.EVENTS_DIRECT.inc(len(events))
        return "direct"
