"""Stages 3 and 4: graph_writer draining a topic against write_events, and end to end latency."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from bench import backends
from bench.backends import Graph
from bench.cpu_limit import CpuCgroups, cpu_limited
from bench.events import EventGenerator
from bench.infra import (
    CpuMeter,
    Service,
    http_get,
    run_load,
    running,
)
from bench.neo4j_checkpoints import checkpoints, overlapping
from bench.stages_common import (
    API_KEY,
    SEED,
    Context,
    StageResult,
    check_errors,
    histogram_buckets,
    histogram_means,
    histogram_quantile,
    metric_value,
    neo4j_settled,
    pct,
)
from graph_writer.settings import GraphWriterSettings
from shared.kafka_io.codec import EventRecord
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event


async def _assigned(writers: list[Service]) -> bool:
    """True once every writer holds partitions and together they hold all 6, disjointly."""
    held: list[int] = []
    for w in writers:
        status, body = await http_get("127.0.0.1", w.port, "/health/ready")
        if status != 200:
            return False
        partitions = json.loads(body).get("partitions") or []
        if not partitions:
            return False
        held += partitions
    return sorted(held) == list(range(6))


async def _drain(
    ctx: Context, total: int, writers: list[Service], meter: CpuMeter
) -> dict[str, Any]:
    """Poll :Event until `total`. The clock starts once every writer holds its partitions
    and the first event is in Neo4j, so start-up and the first rebalance are excluded.

    A small drain (`--quick`) can end before the last writer has joined: the clock then
    runs from the first event seen (`clock` says which), and a drain that ends before
    any poll saw it under way is an error that names the cause, not a division by zero.
    """
    first: tuple[float, int] | None = None
    seen: tuple[float, int] | None = None  # the first poll that found events
    deadline = time.monotonic() + 900
    meter.start()
    while time.monotonic() < deadline:
        count = await ctx.graph.count_events()
        now = time.monotonic()
        if seen is None and count > 0:
            seen = (now, count)
            meter.start()
        if first is None and count > 0 and count < total and await _assigned(writers):
            first = (now, count)
            meter.start()
        if count >= total:
            break
        for w in writers:
            if w.proc.poll() is not None:
                raise RuntimeError(f"{w.name} exited:\n{w.log()}")
        await asyncio.sleep(0.1)
    else:
        raise RuntimeError("writers did not finish in 900 s")
    cpu = meter.stop()
    clock = "all writers assigned"
    if first is None:
        clock = "first event seen (the drain ended before every writer held partitions)"
        first = seen if seen is not None else (now, count)
    seconds = now - first[0]
    if seconds <= 0 or count <= first[1]:
        raise RuntimeError(
            f"the drain of {total:,} events ended before the clock could start: "
            "too few events to measure (use the full sizes)"
        )
    return {
        "events_per_s": (count - first[1]) / seconds,
        "seconds": round(seconds, 2),
        "counted_from": first[1],
        "clock": clock,
        "cpu": cpu,
    }


async def stage3(ctx: Context) -> StageResult:
    s = ctx.sizes
    total = s.writer_events
    topic = ctx.topic("s3")
    generator = EventGenerator(SEED + 3)
    received = datetime.now(UTC)
    ids = [f"{ctx.run_id}-s3-{i:07d}" for i in range(total)]
    raw_events = list(generator.events(0, total))
    # The records ingest_api writes (the writer maps them), and the same events mapped
    # here for write_events, the baseline.
    graph_events = [
        to_graph_event(i, "ocsf", e, received) for i, e in zip(ids, raw_events, strict=True)
    ]
    records = [EventRecord(i, "ocsf", e, received) for i, e in zip(ids, raw_events, strict=True)]
    del raw_events
    await backends.create_topic(ctx.env, topic, 6)
    produce_s = await backends.produce_all(ctx.env, topic, backends.serialized(records))
    del records

    sweep, best, baseline, baseline_cpu = await _write_events_baseline(ctx, graph_events)
    del graph_events
    results = await _writer_runs(ctx, topic, best)
    capped = await _capped_writer_runs(ctx, topic)
    one = results["writers_1"]["events_per_s"]
    two = results["writers_2"]["events_per_s"]
    ratio = one / baseline if baseline else 0.0
    return StageResult(
        3,
        f"graph_writer drain of {total:,} events (6 partitions) vs write_events",
        "events/s",
        one,
        baseline,
        ratio,
        ">= 90%",
        ratio >= 0.90,
        {
            "best_batch_size": best,
            "sweep_events_per_s": {str(k): round(v, 1) for k, v in sweep.items()},
            "sweep_events": s.sweep_events,
            "baseline_cpu": baseline_cpu,
            "writer_batch_size": GraphWriterSettings.model_fields["writer_batch_size"].default,
            "two_writers_events_per_s": round(two, 1),
            "two_vs_one": round(two / one, 3) if one else 0.0,
            "one_writer_at_best_batch_ratio": round(
                results[f"writers_1_batch_{best}"]["events_per_s"] / baseline, 3
            ),
            "one_writer_vs_baseline_at_default": _at_default_batch(one, sweep),
            "prefill_seconds": round(produce_s, 2),
            **results,
            **capped,
        },
    )


async def _write_events_baseline(
    ctx: Context, graph_events: list[GraphEvent]
) -> tuple[dict[int, float], int, float, dict[str, Any]]:
    """Sequential write_events on an empty graph: a sweep of batch sizes on a subset, then
    every event at the best size. Returns the sweep, the best size, its rate and CPU."""
    s = ctx.sizes
    sweep: dict[int, float] = {}
    for size in s.sweep_sizes:
        await ctx.graph.wipe()
        subset = graph_events[: s.sweep_events]
        seconds = await ctx.graph.write_batches(backends.chunks(subset, size), 1)
        sweep[size] = len(subset) / seconds
    best = max(sweep, key=lambda k: sweep[k])
    await ctx.graph.wipe()
    meter = ctx.meter(harness=os.getpid())
    meter.start()
    seconds = await ctx.graph.write_batches(backends.chunks(graph_events, best), 1)
    return sweep, best, len(graph_events) / seconds, meter.stop()


async def _writer_runs(ctx: Context, topic: str, best: int) -> dict[str, dict[str, Any]]:
    """Two runs at the writer's default batch size, then one at the baseline's best."""
    results: dict[str, dict[str, Any]] = {}
    runs: list[tuple[int, int | None]] = [(1, None), (2, None), (1, best)]
    for n, batch_size in runs:
        label = f"writers_{n}" + (f"_batch_{batch_size}" if batch_size else "")
        extra = {"WRITER_BATCH_SIZE": str(batch_size)} if batch_size else {}
        results[label] = await _writer_run(ctx, topic, label, n, ctx.sizes.writer_events, extra)
    return results


# The CPU the k8s manifest requests for a writer pod (deploy/k8s/base).
WRITER_CPU_CAP_CORES = 0.2


async def _capped_writer_runs(ctx: Context, topic: str) -> dict[str, Any]:
    """One writer, then two, each held to WRITER_CPU_CAP_CORES of a core: a second writer
    then adds CPU of its own and Neo4j has room, so the ratio shows how the group scales
    when Neo4j is not the bottleneck. They drain half the topic each time."""
    groups = CpuCgroups.find()
    if isinstance(groups, str):
        return {"capped_unavailable": groups}
    results: dict[str, Any] = {"writer_cpu_cap_cores": WRITER_CPU_CAP_CORES}
    for n in (1, 2):
        label = f"writers_{n}_capped"
        total = ctx.sizes.writer_events // 2
        results[label] = await _writer_run(ctx, topic, label, n, total, {}, cap=groups)
    one = results["writers_1_capped"]["events_per_s"]
    results["two_vs_one_capped"] = round(results["writers_2_capped"]["events_per_s"] / one, 3)
    return results


async def _writer_run(
    ctx: Context,
    topic: str,
    label: str,
    n: int,
    total: int,
    env: dict[str, str],
    cap: CpuCgroups | None = None,
) -> dict[str, Any]:
    """`n` writers (with `env` added to theirs) in a group of their own drain the topic
    into a wiped graph until it holds `total` events; with `cap`, each is held to
    WRITER_CPU_CAP_CORES of a core."""
    await ctx.graph.wipe()
    group = f"{topic}-{label}"
    writers = [ctx.graph_writer(f"s3-{label}-{k}", topic, group, **env) for k in range(n)]
    async with running(*writers):
        limit = (
            cpu_limited(cap, {w.name: w.pid for w in writers}, WRITER_CPU_CAP_CORES)
            if cap is not None
            else nullcontext()
        )
        with limit:
            meter = ctx.meter(**{f"writer{k}": w.pid for k, w in enumerate(writers)})
            return await _drain(ctx, total, writers, meter)


def _at_default_batch(writer_rate: float, sweep: dict[int, float]) -> float | None:
    default = GraphWriterSettings.model_fields["writer_batch_size"].default
    return round(writer_rate / sweep[default], 3) if default in sweep else None


# --- stage 4 ----------------------------------------------------------------------------


# The visibility poll is a cross-check only (every event becomes visible, and roughly
# when): polled every 20 ms it cost Neo4j five times an event's write, and so distorted
# the latency it measured. The latency itself comes from the writer's histogram.
VISIBILITY_POLL_S = 1.0


class _Visibility:
    """When each acknowledged event becomes visible in Neo4j, polled every `interval`."""

    def __init__(self, graph: Graph, warmup: float, interval: float = VISIBILITY_POLL_S) -> None:
        self._graph = graph
        self._warmup = warmup
        self._interval = interval
        self.started: list[float] = []
        self.pending: dict[str, tuple[float, float]] = {}
        self.ack_to_visible: list[float] = []
        self.sched_to_visible: list[float] = []
        self.poll_seconds: list[float] = []
        self.load_done = asyncio.Event()

    def on_ack(self, event_id: str, t_sched: float, t_ack: float) -> None:
        if self.started and t_sched >= self.started[0] + self._warmup:
            self.pending[event_id] = (t_sched, t_ack)

    async def poll(self) -> None:
        give_up = float("inf")
        while True:
            if self.load_done.is_set():
                give_up = min(give_up, time.monotonic() + 15)
                if not self.pending or time.monotonic() > give_up:
                    break
            began = time.monotonic()
            ids = list(self.pending)[:5_000]
            if ids:
                found = await self._graph.visible(ids)
                seen = time.monotonic()  # upper bound of when the write became visible
                self.poll_seconds.append(seen - began)
                for event_id in found:
                    t_sched, t_ack = self.pending.pop(event_id)
                    self.ack_to_visible.append(max(0.0, seen - t_ack))
                    self.sched_to_visible.append(seen - t_sched)
            await asyncio.sleep(max(0.0, self._interval - (time.monotonic() - began)))
        self.ack_to_visible.sort()
        self.sched_to_visible.sort()


# Stage 4 offers its rate in small batches, as log shippers send: one ingest_api process
# on this 2-core machine answers about 600 single-event POSTs/s, so single POSTs could
# not offer 2,000 events/s, and the stage measured the API's ceiling instead.
E2E_EVENTS_PER_REQUEST = 10


# The share of the pipeline's capacity stage 4 offers as its heavy rate (issue 28: the
# latency at 70% of what this machine's pipeline can take, measured first in the run).
E2E_CAPACITY_SHARE = 0.7


async def stage4(ctx: Context) -> StageResult:
    """The pipeline's capacity first (a saturating load, what the writer commits per
    second), then the latency at the light rate and at 70% of that capacity: what the
    pipeline itself adds when the machine has room, and near its working point."""
    s = ctx.sizes
    topic = ctx.topic("s4")
    await ctx.graph.wipe()
    # In a full run Neo4j is still busy with stage 3's graph and its wipe for a while:
    # measured from the start, that work set stage 4's p99 (666 ms at 500 events/s in run
    # 20261208t003131, 69 ms with stage 4 run alone the same hour).
    settled = await neo4j_settled(ctx.neo4j_pid)
    writer = ctx.graph_writer("s4-writer", topic, f"{topic}-group", WRITER_BATCH_WAIT_MS="5")
    api = ctx.ingest_api("s4-ingest", topic)
    async with running(writer, api):
        await asyncio.gather(
            api.wait_ready(), writer.wait_ready(check=lambda body: bool(body.get("partitions")))
        )
        capacity = await _e2e_capacity(ctx, api, writer)
        heavy_rate = round(capacity["events_per_s"] * E2E_CAPACITY_SHARE)
        light = await _e2e_run(ctx, api, writer, s.e2e_rate / 4, "light")
        details = await _e2e_run(ctx, api, writer, heavy_rate, "target")
    met = all(
        run["freshness_p99_ms"] is not None
        and run["freshness_p99_ms"] < 150
        and run["freshness_p50_ms"] < 50
        and not run["events_not_visible_after_15s"]
        for run in (details, light)
    )
    return StageResult(
        4,
        f"end to end at {s.e2e_rate / 4:.0f} events/s and at 70% of capacity "
        f"({heavy_rate:,} events/s): received -> committed "
        "(graph_writer_event_freshness_seconds)",
        "ms p99",
        details["freshness_p99_ms"] or 0.0,
        None,
        None,
        "p99 < 150 ms and p50 < 50 ms (both rates)",
        met,
        {**details, "light": light, "capacity": capacity, "neo4j_settled": settled},
    )


async def _e2e_capacity(ctx: Context, api: Service, writer: Service) -> dict[str, Any]:
    """Events per second the writer commits while the API is offered all it can take:
    the pipeline's capacity on this machine (the API and the writer share its cores).
    Waits for the backlog to drain, so the runs after it start from an empty topic."""
    settle, seconds = 3.0, max(6.0, ctx.sizes.e2e_seconds / 2)
    spec = {
        "port": api.port,
        "path": "/events/batch",
        "events_per_request": E2E_EVENTS_PER_REQUEST,
        "mode": "closed",
        "connections": 32,
        "duration_s": settle + seconds,
        "warmup_s": 1.0,
        "seed": SEED + 40,
        "pool": 5_000,
        "id_prefix": f"{ctx.run_id}-s4-capacity",
        "api_key": API_KEY,
    }
    marks: list[tuple[float, float]] = []

    async def mark_after(delay: float) -> None:
        await asyncio.sleep(delay)
        _, text = await http_get("127.0.0.1", writer.port, "/metrics")
        marks.append((time.monotonic(), _written(text.decode(errors="replace"))))

    started: list[asyncio.Task[None]] = []
    load = await run_load(
        spec, on_start=lambda t: started.append(asyncio.create_task(mark_after(settle)))
    )
    await mark_after(0)
    await asyncio.gather(*started)
    check_errors(load, "stage 4 (capacity)")
    (t0, written0), (t1, written1) = sorted(marks)
    drained = await _drained(writer)
    return {
        "events_per_s": round((written1 - written0) / (t1 - t0), 1),
        "api_events_per_s": round(load["events_per_s"], 1),
        "measured_s": round(t1 - t0, 1),
        "drain_s": round(drained, 1),
    }


def _written(metrics: str) -> float:
    return metric_value(metrics, "graph_writer_events_written_total")


async def _drained(writer: Service, quiet_s: float = 2.0, limit_s: float = 300.0) -> float:
    """Seconds until the writer has written nothing new for `quiet_s`: its backlog is gone."""
    began = last_change = time.monotonic()
    last = -1.0
    while time.monotonic() - began < limit_s:
        _, text = await http_get("127.0.0.1", writer.port, "/metrics")
        now_written = _written(text.decode(errors="replace"))
        if now_written != last:
            last, last_change = now_written, time.monotonic()
        elif time.monotonic() - last_change >= quiet_s:
            return last_change - began
        await asyncio.sleep(0.25)
    raise RuntimeError(f"stage 4: the writer still had a backlog after {limit_s:.0f}s")


async def _e2e_run(
    ctx: Context, api: Service, writer: Service, rate: float, label: str
) -> dict[str, Any]:
    # Long enough that the events received during it are committed before the writer's
    # histograms are read: they would count, late, in the measured window otherwise.
    warmup = 5.0
    seen = _Visibility(ctx.graph, warmup)
    meter = ctx.meter(ingest=api.pid, writer=writer.pid, harness=os.getpid())
    _, before = await http_get("127.0.0.1", writer.port, "/metrics")
    poll_task = asyncio.create_task(seen.poll())
    # The writer's histograms from the end of the warm-up on, as the poll counts.
    after_warmup: list[asyncio.Task[tuple[int, bytes]]] = []

    async def metrics_after(delay: float) -> tuple[int, bytes]:
        await asyncio.sleep(delay)
        return await http_get("127.0.0.1", writer.port, "/metrics")

    def on_start(t: float) -> None:
        seen.started.append(t)
        meter.start()
        after_warmup.append(asyncio.create_task(metrics_after(warmup)))

    spec = {
        "port": api.port,
        "path": "/events/batch",
        "events_per_request": E2E_EVENTS_PER_REQUEST,
        "mode": "open",
        "rate": rate / E2E_EVENTS_PER_REQUEST,
        "connections": 32,
        "duration_s": ctx.sizes.e2e_seconds + warmup,
        "warmup_s": warmup,
        "seed": SEED + 4,
        "pool": 5_000,
        "id_prefix": f"{ctx.run_id}-s4-{label}",
        "emit_acks": True,
        "api_key": API_KEY,
    }
    began = datetime.now(UTC)
    load = await run_load(spec, on_start=on_start, on_ack=seen.on_ack)
    cpu = meter.stop()
    stalls = _checkpoints_during(ctx, began, datetime.now(UTC))
    seen.load_done.set()
    await poll_task
    if after_warmup:
        _, before = await after_warmup[0]
    # Observed just after each commit, a little after the poll saw the events.
    await asyncio.sleep(0.5)
    _, text = await http_get("127.0.0.1", writer.port, "/metrics")
    check_errors(load, f"stage 4 ({label})")
    return {
        "offered_events_per_s": rate,
        **_stage4_details(
            seen, load, text.decode(errors="replace"), before.decode(errors="replace")
        ),
        "cpu": cpu,
        "neo4j_checkpoints": stalls,
    }


def _checkpoints_during(
    ctx: Context, start: datetime, end: datetime
) -> list[dict[str, Any]] | None:
    """Neo4j's checkpoints during a phase (warm-up included), or None when its log is not
    at hand: a checkpoint stalls commits, and sets the p99 of the phase it falls in."""
    path = ctx.env.neo4j_debug_log
    if path is None or not path.is_file():
        return None
    found = overlapping(checkpoints(path.read_text(errors="replace")), start, end)
    return [
        {
            "database": c.database,
            "trigger": c.trigger,
            "started": c.started.isoformat(),
            "seconds": c.seconds,
        }
        for c in found
    ]


def _freshness(buckets: list[tuple[float, float]]) -> dict[str, Any]:
    """Receipt -> commit quantiles from the writer's histogram (interpolated in buckets)."""

    def ms(q: float) -> float | None:
        value = histogram_quantile(buckets, q)
        return None if value is None else round(value * 1000, 1)

    return {
        "freshness_p50_ms": ms(0.5),
        "freshness_p99_ms": ms(0.99),
        "freshness_events": int(buckets[-1][1]) if buckets else 0,
    }


def _stage4_details(
    seen: _Visibility, load: dict[str, Any], metrics: str, metrics_before: str
) -> dict[str, Any]:
    writer_metrics = histogram_means(
        metrics, ("graph_writer_neo4j_write_seconds", "graph_writer_batch_size"), metrics_before
    )
    ack, sched, polls = seen.ack_to_visible, seen.sched_to_visible, seen.poll_seconds
    freshness = histogram_buckets(metrics, "graph_writer_event_freshness_seconds", metrics_before)
    return {
        **_freshness(freshness),
        "visibility_poll_s": VISIBILITY_POLL_S,
        "ack_to_visible_p50_ms": round(pct(ack, 0.5) * 1000, 1),
        "ack_to_visible_p99_ms": round(pct(ack, 0.99) * 1000, 1),
        "ack_to_visible_max_ms": round(ack[-1] * 1000 if ack else 0, 1),
        "send_to_visible_p50_ms": round(pct(sched, 0.5) * 1000, 1),
        "send_to_visible_p99_ms": round(pct(sched, 0.99) * 1000, 1),
        "post_p50_ms": round(load["p50_ms"], 2),
        "post_p99_ms": round(load["p99_ms"], 2),
        "achieved_req_per_s": round(load["req_per_s"], 1),
        "achieved_events_per_s": round(load["events_per_s"], 1),
        "events_per_request": E2E_EVENTS_PER_REQUEST,
        "events_measured": len(ack),
        "events_not_visible_after_15s": len(seen.pending),
        "poll_query_ms_mean": round(statistics.mean(polls) * 1000, 2) if polls else None,
        "writer_batch_wait_ms": 5,
        "writer_mean_write_ms": round(
            1000 * writer_metrics.get("graph_writer_neo4j_write_seconds", 0.0), 1
        ),
        "writer_mean_batch": round(writer_metrics.get("graph_writer_batch_size", 0.0), 1),
        "client_cpu_pct": round(load["client_cpu_pct"], 1),
    }
