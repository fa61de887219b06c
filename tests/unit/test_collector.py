"""The services collect garbage less often, and never walk what start-up left."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.core.collector import GEN0_THRESHOLD, tune_for_throughput


@pytest.fixture
def restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored")
def test_start_up_objects_are_frozen_and_collections_are_rarer() -> None:
    assert gc.get_freeze_count() == 0
    tune_for_throughput()
    assert gc.get_freeze_count() > 10_000  # the modules and schema tables loaded so far
    assert gc.get_threshold()[0] == GEN0_THRESHOLD
    assert GEN0_THRESHOLD > 700  # CPython's default, which this exists to raise
