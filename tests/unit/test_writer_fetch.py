"""The writer's batching policy: first record as soon as it comes, then a bounded linger.

The fetch here is a script of what Kafka would hand over and when, on a fake clock; the
writer's real fetch against Kafka is in tests/integration/test_pipeline.py.
"""

from __future__ import annotations

import pytest

from graph_writer.fetch import gather_batch


class Script:
    """Records arriving at given times; a fetch returns what has arrived, or waits for
    the next arrival up to its timeout, as getmany does."""

    def __init__(self, arrivals: list[tuple[float, list[int]]]) -> None:
        self.now = 0.0
        self.arrivals = arrivals
        self.waits: list[int] = []

    def clock(self) -> float:
        return self.now

    async def fetch(self, timeout_ms: int, max_records: int) -> list[int]:
        self.waits.append(timeout_ms)
        ready = [a for a in self.arrivals if a[0] <= self.now]
        if not ready:
            upcoming = [a for a in self.arrivals if a[0] <= self.now + timeout_ms / 1000]
            if not upcoming:
                self.now += timeout_ms / 1000
                return []
            self.now = upcoming[0][0]
            ready = [upcoming[0]]
        taken: list[int] = []
        for arrival in ready:
            room = max_records - len(taken)
            taken.extend(arrival[1][:room])
            rest = arrival[1][room:]
            self.arrivals.remove(arrival)
            if rest:
                self.arrivals.insert(0, (arrival[0], rest))
                break
        return taken


@pytest.mark.asyncio
async def test_records_arriving_within_the_linger_go_in_one_batch() -> None:
    script = Script([(0.0, [1]), (0.01, [2]), (0.02, [3]), (0.2, [4])])
    batch = await gather_batch(script.fetch, 100, 200, 0.05, script.clock)
    assert batch == [1, 2, 3]
    assert script.arrivals == [(0.2, [4])]  # left for the next batch
    assert script.now == pytest.approx(0.05, abs=0.002)  # and it waited no longer than the linger


@pytest.mark.asyncio
async def test_a_full_batch_goes_without_waiting_out_the_linger() -> None:
    script = Script([(0.0, [1, 2]), (0.01, [3, 4, 5])])
    batch = await gather_batch(script.fetch, 4, 200, 1.0, script.clock)
    assert batch == [1, 2, 3, 4]
    assert script.now == pytest.approx(0.01)


@pytest.mark.asyncio
async def test_nothing_within_the_first_wait_is_an_empty_batch() -> None:
    script = Script([(0.5, [1])])
    assert await gather_batch(script.fetch, 100, 200, 0.05, script.clock) == []
    assert script.waits == [200]


@pytest.mark.asyncio
async def test_no_linger_still_takes_what_is_buffered_but_waits_for_nothing_more() -> None:
    script = Script([(0.0, [1]), (0.0, [2]), (0.01, [3])])
    batch = await gather_batch(script.fetch, 100, 200, 0.0, script.clock)
    assert batch == [1, 2]
    assert script.now == 0.0
    assert script.arrivals == [(0.01, [3])]


@pytest.mark.asyncio
async def test_the_linger_counts_from_the_first_record_not_from_the_call() -> None:
    script = Script([(0.15, [1]), (0.19, [2]), (0.21, [3])])
    batch = await gather_batch(script.fetch, 100, 200, 0.05, script.clock)
    assert batch == [1, 2]  # 0.21 is past 0.15 + 0.05
    assert script.now == pytest.approx(0.2, abs=0.002)


@pytest.mark.asyncio
async def test_with_nothing_being_written_the_batch_goes_with_what_is_buffered() -> None:
    script = Script([(0.0, [1]), (0.0, [2]), (0.01, [3])])
    batch = await gather_batch(script.fetch, 100, 200, 0.05, script.clock, lambda: True)
    assert batch == [1, 2]
    assert script.now == 0.0  # no linger: Neo4j is idle, waiting would only add latency


@pytest.mark.asyncio
async def test_the_linger_ends_when_the_write_in_flight_ends() -> None:
    script = Script([(0.0, [1]), (0.01, [2]), (0.02, [3]), (0.04, [4])])
    # The other batch's write finishes at 0.015: records arriving after that wait for
    # the next batch, not for the 50 ms linger.
    batch = await gather_batch(
        script.fetch, 100, 200, 0.05, script.clock, lambda: script.now >= 0.015
    )
    assert batch == [1, 2, 3]
    assert script.now == pytest.approx(0.02)
    assert script.arrivals == [(0.04, [4])]
