"""Write a batch; when Neo4j rejects it, split it until the bad records are isolated."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from graph_writer import metrics
from shared.graph_model import GraphEvent
from shared.repository import GraphRepository, WriteRejected

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
    outcome: Outcome[Source] = Outcome()
    await _write(repository, list(items), record_attempts, outcome)
    return outcome


async def _write(
    repository: GraphRepository,
    items: list[Item[Source]],
    record_attempts: int,
    outcome: Outcome[Source],
) -> None:
    attempts = record_attempts if len(items) == 1 else 1
    error: WriteRejected | None = None
    for _ in range(attempts):
        try:
            with metrics.WRITE_SECONDS.time():
                result = await repository.write_events([i.event for i in items])
        except WriteRejected as exc:
            error = exc
            continue
        outcome.created += result.created
        outcome.already_present += result.already_present
        return
    assert error is not None
    if len(items) == 1:
        log.warning("record rejected by Neo4j: %s", error, extra={"event_id": items[0].event.id})
        outcome.rejected.append((items[0].source, str(error)))
        return
    metrics.BATCH_SPLITS.inc()
    middle = len(items) // 2
    await _write(repository, items[:middle], record_attempts, outcome)
    await _write(repository, items[middle:], record_attempts, outcome)
