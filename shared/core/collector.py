"""Garbage-collector settings for the services' long-running loops."""

from __future__ import annotations

import gc
from typing import Final

# Each event allocates hundreds of short-lived objects (its dict, the graph, the rows),
# nearly all freed by reference counting alone. CPython's default first-generation
# threshold (700 allocations) still starts a collection every few events, and those
# collections and the older generations' walks cost up to a third of the mapping's CPU
# (docs/benchmarks.md). Cyclic garbage is rare here, so collecting less often holds
# little extra memory.
GEN0_THRESHOLD: Final = 50_000
OLDER_THRESHOLD: Final = 20


def tune_for_throughput() -> None:
    """Call once, when start-up imports are done: what exists then (modules, the OCSF
    schema table, settings) lives as long as the process, so no collection walks it."""
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
