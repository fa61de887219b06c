"""Admission control: a bound on events accepted but not yet durable.

Each waiting event holds its parsed body, its graph form and a Kafka send in
memory. When Kafka or Neo4j slows down, the requests pile up; past the bound a new
request is refused at once (429, Retry-After) instead of queueing without limit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from shared.core.errors import BlueprintError


class Overloaded(BlueprintError):
    """Too many events are already waiting to become durable; retry later."""


class InFlightLimiter:
    """A counter, not a semaphore: admission never waits, so no request queues here.

    Single event loop, no await between the check and the increment: no lock needed.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    @contextlib.contextmanager
    def admit(self, count: int) -> Iterator[None]:
        if self.in_flight + count > self.limit:
            raise Overloaded(f"{self.in_flight} events in flight, limit {self.limit}")
        self.in_flight += count
        try:
            yield
        finally:
            self.in_flight -= count
