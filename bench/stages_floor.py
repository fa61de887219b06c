"""Stage 7: Neo4j server CPU per written event, write_events against the floor.

The same pre-mapped events, in the same batches and at the same concurrency, are written
on an empty graph by each variant in turn, after a warm-up of every variant (a cold JVM
spends several times the CPU per event): `GraphRepository.write_events`, the floor
(bench/floor.py: the simplest Cypher for the same graph, not idempotent) and the write
as it was before issue 17 (also bench/floor.py), so one run gives both ratios.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

from bench import backends
from bench.events import EventGenerator
from bench.floor import write_before, write_floor
from bench.infra import cpu_seconds
from bench.stages_common import SEED, Context, StageResult
from shared.mapping.graph_model import GraphEvent

BATCH = 1_000
CONCURRENCY = 2
TARGET = 1.3

Write = Callable[[Sequence[GraphEvent]], Awaitable[object]]


def _variants(ctx: Context) -> dict[str, Write]:
    driver, database = ctx.graph.driver, ctx.env.neo4j_database

    async def floor(batch: Sequence[GraphEvent]) -> None:
        await write_floor(driver, database, batch)

    async def before(batch: Sequence[GraphEvent]) -> None:
        await write_before(driver, database, batch)

    return {"write_events": ctx.graph.repository.write_events, "floor": floor, "before": before}


async def _measure(ctx: Context, write: Write, events: list[GraphEvent]) -> dict[str, float]:
    """One variant over `events` on an empty graph: rate and CPU per event."""
    await ctx.graph.wipe()
    neo4j0 = cpu_seconds(ctx.neo4j_pid) if ctx.neo4j_pid else 0.0
    harness0 = time.process_time()
    seconds = await ctx.graph.write_batches(backends.chunks(events, BATCH), CONCURRENCY, write)
    neo4j_s = (cpu_seconds(ctx.neo4j_pid) - neo4j0) if ctx.neo4j_pid else float("nan")
    harness_s = time.process_time() - harness0
    n = len(events)
    return {
        "events_per_s": round(n / seconds, 1),
        "seconds": round(seconds, 2),
        "neo4j_us_per_event": round(1e6 * neo4j_s / n, 1),
        "neo4j_cpu_pct": round(100 * neo4j_s / seconds, 1),
        "client_us_per_event": round(1e6 * harness_s / n, 1),
    }


async def stage7(ctx: Context) -> StageResult:
    s = ctx.sizes
    generator = EventGenerator(SEED + 7)
    ids = [f"{ctx.run_id}-s7-{i:07d}" for i in range(s.floor_events)]
    events = backends.graph_events(generator, ids)
    warm = backends.graph_events(
        generator, [f"{ctx.run_id}-s7w-{i:07d}" for i in range(s.floor_warmup)]
    )
    variants = _variants(ctx)
    for write in variants.values():
        await ctx.graph.wipe()
        await ctx.graph.write_batches(backends.chunks(warm, BATCH), CONCURRENCY, write)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(s.floor_rounds):
        # Alternate the order, so neither side always runs on a hotter (or busier) machine.
        for name in names if r % 2 == 0 else names[::-1]:
            runs[name].append(await _measure(ctx, variants[name], events))
    await ctx.graph.wipe()
    med = {
        name: {k: statistics.median(run[k] for run in rs) for k in rs[0]}
        for name, rs in runs.items()
    }
    measured = med["write_events"]["neo4j_us_per_event"]
    floor = med["floor"]["neo4j_us_per_event"]
    ratio = measured / floor if floor else None
    return StageResult(
        7,
        "Neo4j CPU per written event: write_events vs the floor",
        "us/event",
        measured,
        floor,
        ratio,
        f"<= {TARGET}x the floor",
        ratio is not None and ratio <= TARGET,
        {
            "events": s.floor_events,
            "warmup_events": s.floor_warmup,
            "rounds": s.floor_rounds,
            "batch": BATCH,
            "concurrency": CONCURRENCY,
            "median": med,
            "runs": runs,
            "before_vs_after_neo4j": _ratio(med, "before", "write_events", "neo4j_us_per_event"),
            "after_vs_before_events_per_s": _ratio(med, "write_events", "before", "events_per_s"),
        },
    )


def _ratio(med: dict[str, dict[str, float]], a: str, b: str, key: str) -> float | None:
    return round(med[a][key] / med[b][key], 3) if med[b][key] else None
