"""The batches being written at once, finished strictly in the order they were fetched."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

B = TypeVar("B")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class InFlight(Generic[B, R]):
    batch: B
    task: asyncio.Task[R]
    started: float  # perf_counter at fetch, for the batch log line


class InFlightWindow(Generic[B, R]):
    """Up to `capacity` writes run concurrently; only the oldest is ever taken out.

    Taking the oldest first is what lets the loop commit in fetch order: a partition's
    offset never passes a record that is not in the graph, even when a later batch's
    transaction finishes first.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: deque[InFlight[B, R]] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def has_room(self) -> bool:
        return len(self._entries) < self._capacity

    def writing(self) -> bool:
        """Whether a write is still running (finished ones wait here to be committed)."""
        return any(not entry.task.done() for entry in self._entries)

    def start(self, batch: B, write: Coroutine[Any, Any, R]) -> None:
        self._entries.append(InFlight(batch, asyncio.create_task(write), time.perf_counter()))

    def oldest(self) -> InFlight[B, R]:
        return self._entries.popleft()

    async def cancel(self) -> None:
        """Cancel whatever is left and wait for it to unwind; its records stay uncommitted."""
        entries, self._entries = list(self._entries), deque()
        for entry in entries:
            entry.task.cancel()
        await asyncio.gather(*(entry.task for entry in entries), return_exceptions=True)
