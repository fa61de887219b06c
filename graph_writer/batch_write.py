"""Write a consumed batch; records Neo4j rejects are isolated (shared/neo4j_store/reject_isolation.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from graph_writer import metrics
from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.reject_isolation import write_isolating_rejects as isolate
from shared.neo4j_store.repository import GraphRepository, WriteResult

log = logging.getLogger(__name__)

Source = TypeVar("Source")


@dataclass(frozen=True, slots=True)
class Item(Generic[Source]):
    source: Source
    event: GraphEvent


@dataclass
class Outcome(Generic[Source]):
    created: int = 0
    already_present: int = 0
    rejected: list[tuple[Source, str]] = field(default_factory=list)


async def write_isolating_rejects(
    repository: GraphRepository, items: Sequence[Item[Source]], record_attempts: int
) -> Outcome[Source]:
    """Every item ends up written or rejected with a reason.

    StoreUnavailable passes through untouched: the whole batch is retried by the caller,
    since an outage says nothing about any one record.
    """

    async def write(part: Sequence[Item[Source]]) -> WriteResult:
        with metrics.WRITE_SECONDS.time():
            return await repository.write_events([i.event for i in part])

    isolated = await isolate(
        items, write, single_attempts=record_attempts, on_split=metrics.BATCH_SPLITS.inc
    )
    for item, error in isolated.rejected:
        log.warning("record rejected by Neo4j: %s", error, extra={"event_id": item.event.id})
    return Outcome(
        isolated.created,
        isolated.already_present,
        [(item.source, str(error)) for item, error in isolated.rejected],
    )
