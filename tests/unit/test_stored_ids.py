"""StoredIdLookup: concurrent duplicate lookups share queries, and each gets its own answer.

The lookup it is given is a plain function over a set of stored ids, so these tests need no
server; the duplicate answers through the real Neo4j are in
tests/integration/test_api_duplicates.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from ingest_api.stored_ids import StoredIdLookup
from shared.core.errors import StoreUnavailable


class FakeStore:
    """Answers from `stored` after `delay_s`, and records each query's ids."""

    def __init__(self, stored: set[str], delay_s: float = 0.01) -> None:
        self.stored = stored
        self.delay_s = delay_s
        self.queries: list[set[str]] = []
        self.fail_with: StoreUnavailable | None = None

    async def lookup(self, ids: Sequence[str], timeout_s: float) -> frozenset[str]:
        self.queries.append(set(ids))
        await asyncio.sleep(self.delay_s)
        if self.fail_with is not None:
            raise self.fail_with
        return frozenset(i for i in ids if i in self.stored)


async def test_a_lone_lookup_goes_at_once_and_answers_its_ids() -> None:
    store = FakeStore({"a", "c"})
    lookup = StoredIdLookup(store.lookup, timeout_s=1.0)
    assert await lookup.stored(["a", "b"]) == {"a"}
    assert store.queries == [{"a", "b"}]


async def test_concurrent_lookups_share_queries_and_each_gets_only_its_own_ids() -> None:
    store = FakeStore({f"id-{i}" for i in range(0, 64, 3)})
    lookup = StoredIdLookup(store.lookup, timeout_s=5.0)
    answers = await asyncio.gather(*(lookup.stored([f"id-{i}"]) for i in range(64)))
    for i, answer in enumerate(answers):
        assert answer == ({f"id-{i}"} if i % 3 == 0 else set())
    # The first goes alone; the 63 that arrive while it is in flight go together.
    assert len(store.queries) == 2
    assert sorted(len(q) for q in store.queries) == [1, 63]


async def test_asks_arriving_during_a_round_wait_for_the_next_one() -> None:
    store = FakeStore({"late"}, delay_s=0.05)
    lookup = StoredIdLookup(store.lookup, timeout_s=5.0)
    first = asyncio.create_task(lookup.stored(["early"]))
    await asyncio.sleep(0.01)  # the first round is in flight
    late = await lookup.stored(["late"])
    assert late == {"late"}
    assert await first == frozenset()
    assert store.queries == [{"early"}, {"late"}]


async def test_a_failed_query_fails_every_ask_it_carried() -> None:
    store = FakeStore({"a"})
    store.fail_with = StoreUnavailable("Neo4j read failed: ServiceUnavailable")
    lookup = StoredIdLookup(store.lookup, timeout_s=1.0)
    results = await asyncio.gather(
        *(lookup.stored([x]) for x in ("a", "b", "c")), return_exceptions=True
    )
    assert all(isinstance(r, StoreUnavailable) for r in results)
    assert all("ServiceUnavailable" in str(r) for r in results)
    store.fail_with = None
    assert await lookup.stored(["a"]) == {"a"}  # nothing is left stuck


async def test_a_slow_store_answers_unavailable_within_the_timeout() -> None:
    store = FakeStore({"a"}, delay_s=10.0)
    lookup = StoredIdLookup(store.lookup, timeout_s=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StoreUnavailable):
        await lookup.stored(["a"])
    assert loop.time() - started < 1.0


async def test_when_the_leading_request_goes_away_the_others_are_still_answered() -> None:
    store = FakeStore({"b", "c"}, delay_s=0.05)
    lookup = StoredIdLookup(store.lookup, timeout_s=5.0)
    leader = asyncio.create_task(lookup.stored(["a"]))
    await asyncio.sleep(0.01)
    followers = [asyncio.create_task(lookup.stored([x])) for x in ("b", "c")]
    await asyncio.sleep(0.01)
    leader.cancel()  # mid-query, with the followers queued behind its round
    assert await asyncio.gather(*followers) == [{"b"}, {"c"}]
    with pytest.raises(asyncio.CancelledError):
        await leader
    store.delay_s = 0.0
    assert await lookup.stored(["b"]) == {"b"}


async def test_a_waiter_that_times_out_leaves_no_ask_behind() -> None:
    store = FakeStore({"x"}, delay_s=0.2)
    lookup = StoredIdLookup(store.lookup, timeout_s=0.05)
    first = asyncio.create_task(lookup.stored(["first"]))
    await asyncio.sleep(0.01)
    with pytest.raises(StoreUnavailable):
        await lookup.stored(["queued"])  # times out while the first round is in flight
    with pytest.raises(StoreUnavailable):
        await first
    store.delay_s = 0.0
    lookup_again = await lookup.stored(["x"])
    assert lookup_again == {"x"}
    assert "queued" not in store.queries[-1]
