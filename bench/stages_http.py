"""Stages 1, 2 and 6: ingest_api over HTTP against a trivial app, a bare producer, and itself without metrics."""

from __future__ import annotations

import asyncio
import os
import statistics
from typing import Any

from bench import backends
from bench.events import EventGenerator
from bench.infra import (
    Service,
    free_port,
    run_load,
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
    http_spec,
    latency,
    metered_load,
    summary,
)


async def stage1(ctx: Context) -> StageResult:
    s = ctx.sizes
    port = free_port()
    trivial = Service("trivial", ["-m", "bench.trivial_app", str(port)], {}, port, ctx.log_dir)
    api = ctx.ingest_api("s1-ingest", ctx.topic("s1"))
    async with running(trivial, api):
        await asyncio.gather(trivial.wait_ready(), api.wait_ready())
        servers = {"trivial": trivial, "ingest": api}
        for name, svc in servers.items():  # warm-up, not recorded
            await run_load(http_spec(svc.port, s, f"{ctx.run_id}-s1w-{name}", 2.0))
        runs: dict[str, list[dict[str, Any]]] = {"trivial": [], "ingest": []}
        for r in range(s.http_rounds):
            order = ["trivial", "ingest"] if r % 2 == 0 else ["ingest", "trivial"]
            for name in order:
                svc = servers[name]
                res = await metered_load(
                    ctx, http_spec(svc.port, s, f"{ctx.run_id}-s1-{name}-{r}"), server=svc.pid
                )
                check_errors(res, f"stage 1 {name}")
                runs[name].append(res)
    ladder = await _stage1_ladder(ctx) if s.ladder else {}
    ingest_rps = summary(runs["ingest"], "req_per_s")
    trivial_rps = summary(runs["trivial"], "req_per_s")
    ratio = ingest_rps / trivial_rps
    return StageResult(
        1,
        "HTTP POST /events (Kafka) vs trivial 202 endpoint",
        "req/s",
        ingest_rps,
        trivial_rps,
        ratio,
        # Issue 28 sets no target for a single POST: reported with its ladder (what each
        # step of a request costs), as round two's ">= 55%" is no longer the question.
        "- (reported)",
        None,
        {
            "ingest": latency(runs["ingest"]),
            "trivial": latency(runs["trivial"]),
            "connections": s.http_connections,
            "rounds": s.http_rounds,
            "seconds_per_run": s.http_seconds,
            "ladder": ladder,
            "runs": runs,
        },
    )


async def _stage1_ladder(ctx: Context) -> dict[str, Any]:
    """Where the per-request CPU goes: CPU us/request of the trivial app plus ingest_api's
    middlewares, then plus the intake work (no Kafka), in one round each. Diagnostic only:
    a failure here (e.g. the intake API changed) is recorded, not fatal."""
    s = ctx.sizes
    out: dict[str, Any] = {}
    for name, flags in (("middleware", ["--middleware"]), ("intake", ["--middleware", "--intake"])):
        port = free_port()
        svc = Service(
            f"ladder-{name}",
            ["-m", "bench.trivial_app", str(port), "127.0.0.1", *flags],
            {},
            port,
            ctx.log_dir,
        )
        try:
            async with running(svc):
                await svc.wait_ready()
                await run_load(http_spec(port, s, f"{ctx.run_id}-s1l-w-{name}", 2.0))
                res = await metered_load(
                    ctx, http_spec(port, s, f"{ctx.run_id}-s1l-{name}"), server=svc.pid
                )
                check_errors(res, f"ladder {name}")
                out[name] = {
                    "req_per_s": round(res["req_per_s"], 1),
                    "server_cpu_pct": res["cpu"]["server_cpu_pct"],
                }
        except Exception as exc:
            out[name] = {"error": repr(exc)[:200]}
    return out


async def stage2(ctx: Context) -> StageResult:
    s = ctx.sizes
    topic = ctx.topic("s2")
    base_topic = ctx.topic("s2-bare")
    await backends.create_topic(ctx.env, base_topic)
    generator = EventGenerator(SEED)
    messages = backends.serialized(
        backends.records_for(generator, [f"{ctx.run_id}-s2b-{i}" for i in range(POOL)])
    )
    api = ctx.ingest_api("s2-ingest", topic)
    api_runs: list[dict[str, Any]] = []
    bare_runs: list[dict[str, Any]] = []
    async with running(api):
        await api.wait_ready()
        spec = batch_spec(api.port, s, SEED)
        await run_load({**spec, "duration_s": 2.0, "id_prefix": f"{ctx.run_id}-s2w"})
        await backends.bare_producer_rate(ctx.env, base_topic, messages, BATCH, 2, 2.0, 0.5)
        for r in range(s.batch_rounds):
            res = await metered_load(
                ctx,
                {**spec, "duration_s": s.batch_seconds, "id_prefix": f"{ctx.run_id}-s2-{r}"},
                server=api.pid,
            )
            check_errors(res, "stage 2 ingest")
            api_runs.append(res)
            meter = ctx.meter(harness=os.getpid())
            meter.start()
            bare = await backends.bare_producer_rate(
                ctx.env, base_topic, messages, BATCH, s.batch_concurrency, s.batch_seconds, 1.0
            )
            bare["cpu"] = meter.stop()
            bare_runs.append(bare)
    measured = summary(api_runs, "events_per_s")
    baseline = summary(bare_runs, "events_per_s")
    ratio = measured / baseline
    cpu_us = statistics.median(
        1e4 * run["cpu"]["server_cpu_pct"] / run["events_per_s"] for run in api_runs
    )
    # The producer's own CPU per event: what sending costs at best, the yardstick.
    bare_us = statistics.median(
        1e4 * run["harness_cpu_pct"] / run["events_per_s"] for run in bare_runs
    )
    return StageResult(
        2,
        "POST /events/batch x500 (Kafka) vs bare aiokafka producer",
        "events/s",
        measured,
        baseline,
        ratio,
        "ingest_api CPU per event <= 2.5x the bare producer's",
        cpu_us <= 2.5 * bare_us,
        {
            "ingest_cpu_us_per_event": round(cpu_us, 1),
            "bare_cpu_us_per_event": round(bare_us, 1),
            "ingest": latency(api_runs),
            "bare_p50_ms_per_500": round(summary(bare_runs, "p50_ms"), 1),
            "bare_p99_ms_per_500": round(summary(bare_runs, "p99_ms"), 1),
            "bare_cpu": bare_runs[-1]["cpu"],
            "bare_harness_cpu_pct": round(bare_runs[-1]["harness_cpu_pct"], 1),
            "concurrent_requests": s.batch_concurrency,
            "runs": api_runs,
            "bare_runs": bare_runs,
        },
    )


async def stage6(ctx: Context) -> StageResult:
    s = ctx.sizes
    topic = ctx.topic("s6")
    on = ctx.ingest_api("s6-metrics-on", topic, METRICS_ENABLED="true", LOG_LEVEL="INFO")
    off = ctx.ingest_api("s6-metrics-off", topic, METRICS_ENABLED="false", LOG_LEVEL="INFO")
    runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    async with running(on, off):
        await asyncio.gather(on.wait_ready(), off.wait_ready())
        servers = {"on": on, "off": off}
        for name, svc in servers.items():
            await run_load(http_spec(svc.port, s, f"{ctx.run_id}-s6w-{name}", 2.0))
        for r in range(s.overhead_rounds):
            for name in ("off", "on") if r % 2 == 0 else ("on", "off"):
                svc = servers[name]
                res = await metered_load(
                    ctx,
                    http_spec(svc.port, s, f"{ctx.run_id}-s6-{name}-{r}", s.overhead_seconds),
                    server=svc.pid,
                )
                check_errors(res, f"stage 6 metrics {name}")
                runs[name].append(res)
    pairs = [a["req_per_s"] / b["req_per_s"] for a, b in zip(runs["on"], runs["off"], strict=True)]
    # The median of the per-round ratios: one disturbed round cannot swing it.
    ratio = float(statistics.median(pairs))
    overhead = 1 - ratio
    return StageResult(
        6,
        "metrics overhead: POST /events METRICS_ENABLED=true vs false",
        "req/s",
        statistics.mean(r["req_per_s"] for r in runs["on"]),
        statistics.mean(r["req_per_s"] for r in runs["off"]),
        ratio,
        "overhead <= 5%",
        overhead <= 0.05,
        {
            "overhead_pct": round(100 * overhead, 2),
            "per_round_ratio": [round(p, 3) for p in pairs],
            "on": latency(runs["on"]),
            "off": latency(runs["off"]),
            "rounds": s.overhead_rounds,
            "seconds_per_run": s.overhead_seconds,
        },
    )
