"""How many records go in one batch: the first as soon as it comes, then a short linger."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

R = TypeVar("R")

# Records fetched within `timeout_ms`, at most `max_records` (aiokafka's getmany, flattened).
Fetch = Callable[[int, int], Awaitable[list[R]]]


def _never() -> bool:
    return False


async def gather_batch(
    fetch: Fetch[R],
    limit: int,
    first_wait_ms: int,
    linger_s: float,
    clock: Callable[[], float],
    store_idle: Callable[[], bool] = _never,
) -> list[R]:
    """Up to `limit` records: waits at most `first_wait_ms` for the first, then at most
    `linger_s` after it for the rest. Empty when nothing came in time.

    A full batch goes at once, and whatever is already buffered is taken even with no
    linger at all: the cost of a Neo4j transaction is shared by more events either way.
    The linger only pays while Neo4j is busy with another batch (this one fills during
    that write, for free); once `store_idle()` says nothing is being written, waiting
    longer only delays the records in hand, so the batch goes with what is buffered.
    """
    records: list[R] = []
    deadline = 0.0
    while len(records) < limit:
        wait_ms = first_wait_ms if not records else max(0, math.ceil((deadline - clock()) * 1000))
        fetched = await fetch(wait_ms, limit - len(records))
        if not records:
            if not fetched:
                break
            deadline = clock() + linger_s
        elif not fetched and clock() >= deadline:
            break
        records.extend(fetched)
        if store_idle():
            deadline = min(deadline, clock())
    return records
