"""Stage 5: direct mode (no Kafka) against write_events in the harness."""

from __future__ import annotations

import os
from typing import Any

from bench import backends
from bench.events import EventGenerator
from bench.infra import (
    running,
)
from bench.stages_common import (
    BATCH,
    POOL,
    SEED,
    Context,
    StageResult,
    batch_spec,
    check_errors,
    latency,
    metered_load,
    summary,
)


async def stage5(ctx: Context) -> StageResult:
    s = ctx.sizes
    api = ctx.ingest_api("s5-direct", ctx.topic("s5"), USE_KAFKA="false")
    generator = EventGenerator(SEED + 5)
    api_runs: list[dict[str, Any]] = []
    base_runs: list[dict[str, Any]] = []
    async with running(api):
        await api.wait_ready()
        spec = batch_spec(api.port, s, SEED + 5, expect=[201])
        for r in range(s.batch_rounds):
            await ctx.graph.wipe()
            res = await metered_load(
                ctx,
                {**spec, "duration_s": s.batch_seconds, "id_prefix": f"{ctx.run_id}-s5-{r}"},
                server=api.pid,
            )
            check_errors(res, "stage 5 direct")
            api_runs.append(res)
            # The limit: the same batches (same events, same count), same concurrency,
            # pre-mapped, through GraphRepository.write_events in this process.
            n_events = res["issued"] * BATCH
            ids = [f"{ctx.run_id}-s5b-{r}-{i}" for i in range(n_events)]
            events = backends.graph_events(generator, ids, POOL)
            await ctx.graph.wipe()
            meter = ctx.meter(harness=os.getpid())
            meter.start()
            seconds = await ctx.graph.write_batches(
                backends.chunks(events, BATCH), s.batch_concurrency
            )
            base_runs.append({"events_per_s": n_events / seconds, "cpu": meter.stop()})
    measured = summary(api_runs, "events_per_s")
    baseline = summary(base_runs, "events_per_s")
    ratio = measured / baseline
    return StageResult(
        5,
        "direct mode POST /events/batch x500 vs write_events",
        "events/s",
        measured,
        baseline,
        ratio,
        "(the limit)",
        None,
        {
            "ingest": latency(api_runs),
            "baseline_cpu": base_runs[-1]["cpu"],
            "concurrent_requests": s.batch_concurrency,
            "runs": api_runs,
            "baseline_runs": base_runs,
        },
    )
