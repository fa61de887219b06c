"""Write a batch; when Neo4j rejects it, split it until the bad items are isolated.

Only the splitting lives here; the write itself is passed in. graph_writer uses it for
the records of a consumed batch, ingest_api's direct path for the events of a request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared.neo4j_store.repository import WriteRejected, WriteResult

T = TypeVar("T")

Write = Callable[[Sequence[T]], Awaitable[WriteResult]]


@dataclass
class Isolated(Generic[T]):
    """What became of a batch: counts, the ids stored before it, and each rejected item."""

    created: int = 0
    already_present: int = 0
    rejected: list[tuple[T, WriteRejected]] = field(default_factory=list)
    existing_ids: set[str] = field(default_factory=set)


async def write_isolating_rejects(
    items: Sequence[T],
    write: Write[T],
    *,
    single_attempts: int = 1,
    on_split: Callable[[], None] | None = None,
) -> Isolated[T]:
    """Every item ends up written or in `rejected` with Neo4j's reason.

    Only WriteRejected splits a batch. Anything else (StoreUnavailable) passes through
    untouched, since an outage says nothing about any one item; the sub-batches written
    before it stay written, which is safe because the write is idempotent. A lone item
    is tried `single_attempts` times before it counts as rejected. Each write is one
    transaction, so a rejected item leaves nothing of itself behind.
    """
    outcome: Isolated[T] = Isolated()
    if items:
        await _write(list(items), write, single_attempts, on_split, outcome)
    return outcome


async def _write(
    items: list[T],
    write: Write[T],
    single_attempts: int,
    on_split: Callable[[], None] | None,
    outcome: Isolated[T],
) -> None:
    attempts = single_attempts if len(items) == 1 else 1
    error: WriteRejected | None = None
    for _ in range(max(1, attempts)):
        try:
            result = await write(items)
        except WriteRejected as exc:
            error = exc
            continue
        outcome.created += result.created
        outcome.already_present += result.already_present
        outcome.existing_ids |= result.existing_ids
        return
    assert error is not None
    if len(items) == 1:
        outcome.rejected.append((items[0], error))
        return
    if on_split is not None:
        on_split()
    middle = len(items) // 2
    await _write(items[:middle], write, single_attempts, on_split, outcome)
    await _write(items[middle:], write, single_attempts, on_split, outcome)
