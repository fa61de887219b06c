"""Stage 3's drain clock: a drain that ends before every writer holds partitions (a
`--quick` run with two writers) is timed from the first event seen, not divided by zero."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from bench.infra import CpuMeter
from bench.stages_common import Context
from bench.stages_writer import _drain


class _Graph:
    def __init__(self, counts: list[int]) -> None:
        self._counts: Iterator[int] = iter(counts)

    async def count_events(self) -> int:
        return next(self._counts)


class _Ctx:
    def __init__(self, counts: list[int]) -> None:
        self.graph = _Graph(counts)


def _context(counts: list[int]) -> Context:
    return cast(Context, _Ctx(counts))


async def test_a_drain_done_before_the_writers_joined_is_timed_from_the_first_event() -> None:
    # No writer ever reports partitions (an empty list never holds all 6).
    result: dict[str, Any] = await _drain(
        _context([0, 2_000, 6_000, 10_000]), 10_000, [], CpuMeter({})
    )
    assert result["clock"].startswith("first event seen")
    assert result["counted_from"] == 2_000
    assert result["seconds"] > 0
    assert result["events_per_s"] > 0


async def test_a_drain_seen_only_once_finished_says_why_it_cannot_be_timed() -> None:
    with pytest.raises(RuntimeError, match="before the clock could start"):
        await _drain(_context([10_000]), 10_000, [], CpuMeter({}))
