"""Splitting a rejected batch until the bad items are isolated (pure, no server)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.errors import StoreUnavailable
from shared.neo4j_store.reject_isolation import write_isolating_rejects
from shared.neo4j_store.repository import WriteRejected, WriteResult


class Store:
    """Accepts a batch only when it holds no bad item, like one Neo4j transaction."""

    def __init__(self, bad: set[int], flaky: dict[int, int] | None = None) -> None:
        self.bad = bad
        self.flaky = dict(flaky or {})  # item -> rejections before it is accepted
        self.written: list[int] = []
        self.calls = 0

    async def write(self, items: Sequence[int]) -> WriteResult:
        self.calls += 1
        if any(i in self.bad for i in items):
            raise WriteRejected("bad item")
        for i in items:
            if self.flaky.get(i, 0) > 0:
                self.flaky[i] -= 1
                raise WriteRejected("not yet")
        self.written += items
        return WriteResult(created=len(items), already_present=0)


@given(st.integers(0, 64).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n)))))
async def test_every_item_is_written_or_rejected_once(case: tuple[int, set[int]]) -> None:
    size, bad = case
    bad = {b for b in bad if b < size}
    store = Store(bad)
    splits: list[None] = []
    outcome = await write_isolating_rejects(
        list(range(size)), store.write, on_split=lambda: splits.append(None)
    )
    assert sorted(store.written) == sorted(set(range(size)) - bad)
    assert sorted(item for item, _ in outcome.rejected) == sorted(bad)
    assert outcome.created == size - len(bad)
    assert all(str(error) == "bad item" for _, error in outcome.rejected)
    if not bad:
        assert store.calls == (1 if size else 0)
        assert not splits


async def test_one_bad_item_in_a_thousand_costs_a_few_writes() -> None:
    store = Store({617})
    outcome = await write_isolating_rejects(list(range(1000)), store.write)
    assert [item for item, _ in outcome.rejected] == [617]
    assert len(store.written) == 999
    assert store.calls <= 2 * 10 + 1


async def test_a_lone_item_gets_its_attempts() -> None:
    store = Store(set(), flaky={3: 2})
    outcome = await write_isolating_rejects([1, 2, 3], store.write, single_attempts=3)
    assert outcome.rejected == []
    assert sorted(store.written) == [1, 2, 3]
    once = Store(set(), flaky={3: 2})
    assert [i for i, _ in (await write_isolating_rejects([3], once.write)).rejected] == [3]


async def test_an_outage_passes_through() -> None:
    async def down(items: Sequence[int]) -> WriteResult:
        raise StoreUnavailable("Neo4j unreachable")

    with pytest.raises(StoreUnavailable):
        await write_isolating_rejects([1, 2], down)


async def test_ids_stored_before_are_collected_across_sub_batches() -> None:
    async def write(items: Sequence[int]) -> WriteResult:
        if 5 in items and len(items) > 1:
            raise WriteRejected("bad item")
        old = frozenset(str(i) for i in items if i % 2)
        return WriteResult(len(items) - len(old), len(old), old)

    outcome = await write_isolating_rejects(list(range(8)), write)
    assert outcome.existing_ids == {"1", "3", "5", "7"}
    assert outcome.already_present == 4
