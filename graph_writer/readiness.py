"""Whether the writer is ready, and the Neo4j half of it: every write is a proof that
Neo4j works; with no write for a while, an idle ping asks instead."""

from __future__ import annotations

import logging
from asyncio import timeout
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import TopicPartition

from graph_writer import metrics
from shared.core.errors import StoreUnavailable

log = logging.getLogger(__name__)


@dataclass
class WriterStatus:
    """What the health endpoints report."""

    consuming: bool = False
    neo4j_ok: bool = False
    assigned: set[TopicPartition] = field(default_factory=set)

    @property
    def ready(self) -> bool:
        return self.consuming and self.neo4j_ok


class Neo4jWatch:
    """Keeps `status.neo4j_ok` and the NEO4J_UP gauge in step with what Neo4j last did."""

    def __init__(
        self,
        status: WriterStatus,
        ping: Callable[[], Awaitable[None]],
        interval_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.status = status
        self._ping = ping
        self._interval_s = interval_s
        self._clock = clock
        # Clock of the last proof that Neo4j works.
        self._seen_at = clock()

    def write_succeeded(self) -> None:
        self._seen_at = self._clock()
        self._set(True)

    def write_failed(self, exc: BaseException) -> None:
        # A dead-letter send or a timeout failing says nothing against Neo4j.
        self._set(not isinstance(exc, StoreUnavailable))

    def ping_due(self) -> bool:
        return self._clock() - self._seen_at >= self._interval_s

    async def ping_if_idle(self) -> None:
        """With no write to prove it, ask Neo4j now and then whether it still answers."""
        if not self.ping_due():
            return
        asked_at = self._clock()
        try:
            async with timeout(self._interval_s):
                await self._ping()
        except (StoreUnavailable, TimeoutError) as exc:
            if self.status.neo4j_ok:
                log.warning("Neo4j stopped answering while idle: %s", str(exc) or "timeout")
            # Next ping one interval from now, not at once: down is not a reason to hammer.
            self._seen_at = asked_at
            self._set(False)
        else:
            if not self.status.neo4j_ok:
                log.info("Neo4j answers again")
            self.write_succeeded()

    def _set(self, ok: bool) -> None:
        self.status.neo4j_ok = ok
        metrics.NEO4J_UP.set(int(ok))
