"""The six benchmark stages. Each measures the system and its baseline in the same run."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import backends
from bench.backends import Graph
from bench.events import EventGenerator
from bench.infra import (
    BenchEnv,
    CpuMeter,
    Service,
    free_port,
    http_get,
    pid_listening_on,
    run_load,
    running,
)
from graph_writer.settings import GraphWriterSettings
from shared.kafka_io.codec import EventRecord
from shared.mapping.to_graph import to_graph_event

SEED = 20240314
# ingest_api refuses to start without a key; the benchmark runs it as production would.
API_KEY = "bench-key-0123456789abcdef"


@dataclass(frozen=True)
class Sizes:
    """Counts and durations; `quick` shrinks them for a smoke run."""

    http_seconds: float
    http_rounds: int
    http_connections: int
    batch_seconds: float
    batch_rounds: int
    batch_concurrency: int
    writer_events: int
    sweep_events: int
    sweep_sizes: tuple[int, ...]
    e2e_seconds: float
    e2e_rate: float
    overhead_rounds: int
    overhead_seconds: float
    ladder: bool

    @classmethod
    def for_mode(cls, quick: bool) -> Sizes:
        if quick:
            return cls(3, 1, 32, 4, 1, 4, 10_000, 4_000, (250, 1000), 6, 500, 2, 3, False)
        return cls(
            8, 2, 32, 10, 2, 4, 100_000, 20_000, (250, 500, 1000, 2000), 20, 1000, 4, 6, True
        )


@dataclass
class StageResult:
    stage: int
    name: str
    unit: str
    measured: float
    baseline: float | None
    ratio: float | None
    target: str
    met: bool | None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "name": self.name,
            "unit": self.unit,
            "measured": self.measured,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "details": self.details,
        }


@dataclass
class Context:
    env: BenchEnv
    run_id: str
    sizes: Sizes
    out_dir: Path
    log_dir: Path
    profile: bool
    graph: Graph
    kafka_pid: int | None = None
    neo4j_pid: int | None = None
    notes: list[str] = field(default_factory=list)

    def topic(self, stage: str) -> str:
        return f"bench-{self.run_id}-{stage}"

    def ingest_api(self, name: str, topic: str, **extra: str) -> Service:
        port = free_port()
        env = self.env.service_env(
            topic,
            f"{topic}-group",
            INGEST_API_HOST="127.0.0.1",
            INGEST_API_PORT=str(port),
            INGEST_API_KEYS=API_KEY,
            **extra,
        )
        return Service(name, ["-m", "ingest_api"], env, port, self.log_dir, self._profile(name))

    def graph_writer(self, name: str, topic: str, group: str, **extra: str) -> Service:
        port = free_port()
        env = self.env.service_env(
            topic,
            group,
            GRAPH_WRITER_HEALTH_HOST="127.0.0.1",
            GRAPH_WRITER_HEALTH_PORT=str(port),
            **extra,
        )
        return Service(name, ["-m", "graph_writer"], env, port, self.log_dir, self._profile(name))

    def _profile(self, name: str) -> Path | None:
        return self.out_dir / f"profile-{self.run_id}-{name}.pstats" if self.profile else None

    def meter(self, **pids: int | None) -> CpuMeter:
        named = {k: v for k, v in pids.items() if v is not None}
        if self.kafka_pid is not None and "kafka" not in named:
            named["kafka"] = self.kafka_pid
        if self.neo4j_pid is not None and "neo4j" not in named:
            named["neo4j"] = self.neo4j_pid
        return CpuMeter(named)


def find_server_pids(env: BenchEnv) -> tuple[int | None, int | None]:
    kafka_port = int(env.kafka_bootstrap.split(",")[0].rsplit(":", 1)[1])
    neo4j_port = urlsplit(env.neo4j_uri).port or 7687
    return pid_listening_on(kafka_port), pid_listening_on(neo4j_port)


async def _metered_load(ctx: Context, spec: dict[str, Any], **pids: int | None) -> dict[str, Any]:
    meter = ctx.meter(**pids)
    result = await run_load(spec, on_start=lambda _t: meter.start())
    result["cpu"] = meter.stop()
    return result


def _check_errors(result: dict[str, Any], what: str) -> None:
    if result["errors"]:
        raise RuntimeError(f"{what}: errors {result['errors']}: {result['first_error']}")


def _http_spec(
    port: int, sizes: Sizes, prefix: str, seconds: float | None = None
) -> dict[str, Any]:
    return {
        "port": port,
        "path": "/events",
        "connections": sizes.http_connections,
        "duration_s": seconds if seconds is not None else sizes.http_seconds,
        "warmup_s": 1.0,
        "seed": SEED,
        "pool": 5_000,
        "id_prefix": prefix,
        "api_key": API_KEY,
    }


def _summary(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in results))


# --- stage 1 ----------------------------------------------------------------------------


async def stage1(ctx: Context) -> StageResult:
    s = ctx.sizes
    port = free_port()
    trivial = Service("trivial", ["-m", "bench.trivial_app", str(port)], {}, port, ctx.log_dir)
    api = ctx.ingest_api("s1-ingest", ctx.topic("s1"))
    async with running(trivial, api):
        await asyncio.gather(trivial.wait_ready(), api.wait_ready())
        servers = {"trivial": trivial, "ingest": api}
        for name, svc in servers.items():  # warm-up, not recorded
            await run_load(_http_spec(svc.port, s, f"{ctx.run_id}-s1w-{name}", 2.0))
        runs: dict[str, list[dict[str, Any]]] = {"trivial": [], "ingest": []}
        for r in range(s.http_rounds):
            order = ["trivial", "ingest"] if r % 2 == 0 else ["ingest", "trivial"]
            for name in order:
                svc = servers[name]
                res = await _metered_load(
                    ctx, _http_spec(svc.port, s, f"{ctx.run_id}-s1-{name}-{r}"), server=svc.pid
                )
                _check_errors(res, f"stage 1 {name}")
                runs[name].append(res)
    ladder = await _stage1_ladder(ctx) if s.ladder else {}
    ingest_rps = _summary(runs["ingest"], "req_per_s")
    trivial_rps = _summary(runs["trivial"], "req_per_s")
    ratio = ingest_rps / trivial_rps
    return StageResult(
        1,
        "HTTP POST /events (Kafka) vs trivial 202 endpoint",
        "req/s",
        ingest_rps,
        trivial_rps,
        ratio,
        ">= 70%",
        ratio >= 0.70,
        {
            "ingest": _lat(runs["ingest"]),
            "trivial": _lat(runs["trivial"]),
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
                await run_load(_http_spec(port, s, f"{ctx.run_id}-s1l-w-{name}", 2.0))
                res = await _metered_load(
                    ctx, _http_spec(port, s, f"{ctx.run_id}-s1l-{name}"), server=svc.pid
                )
                _check_errors(res, f"ladder {name}")
                out[name] = {
                    "req_per_s": round(res["req_per_s"], 1),
                    "server_cpu_pct": res["cpu"]["server_cpu_pct"],
                }
        except Exception as exc:
            out[name] = {"error": repr(exc)[:200]}
    return out


def _lat(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "req_per_s": round(_summary(runs, "req_per_s"), 1),
        "events_per_s": round(_summary(runs, "events_per_s"), 1),
        "p50_ms": round(_summary(runs, "p50_ms"), 2),
        "p99_ms": round(_summary(runs, "p99_ms"), 2),
        "cpu": runs[-1].get("cpu", {}),
        "client_cpu_pct": round(runs[-1]["client_cpu_pct"], 1),
    }


# --- stage 2 ----------------------------------------------------------------------------

BATCH = 500
POOL = 5_000


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
        spec = {
            "port": api.port,
            "path": "/events/batch",
            "connections": s.batch_concurrency,
            "events_per_request": BATCH,
            "seed": SEED,
            "pool": POOL,
            "warmup_s": 1.0,
            "api_key": API_KEY,
        }
        await run_load({**spec, "duration_s": 2.0, "id_prefix": f"{ctx.run_id}-s2w"})
        await backends.bare_producer_rate(ctx.env, base_topic, messages, BATCH, 2, 2.0, 0.5)
        for r in range(s.batch_rounds):
            res = await _metered_load(
                ctx,
                {**spec, "duration_s": s.batch_seconds, "id_prefix": f"{ctx.run_id}-s2-{r}"},
                server=api.pid,
            )
            _check_errors(res, "stage 2 ingest")
            api_runs.append(res)
            meter = ctx.meter(harness=os.getpid())
            meter.start()
            bare = await backends.bare_producer_rate(
                ctx.env, base_topic, messages, BATCH, s.batch_concurrency, s.batch_seconds, 1.0
            )
            bare["cpu"] = meter.stop()
            bare_runs.append(bare)
    measured = _summary(api_runs, "events_per_s")
    baseline = _summary(bare_runs, "events_per_s")
    ratio = measured / baseline
    return StageResult(
        2,
        "POST /events/batch x500 (Kafka) vs bare aiokafka producer",
        "events/s",
        measured,
        baseline,
        ratio,
        ">= 60%",
        ratio >= 0.60,
        {
            "ingest": _lat(api_runs),
            "bare_p50_ms_per_500": round(_summary(bare_runs, "p50_ms"), 1),
            "bare_p99_ms_per_500": round(_summary(bare_runs, "p99_ms"), 1),
            "bare_cpu": bare_runs[-1]["cpu"],
            "bare_harness_cpu_pct": round(bare_runs[-1]["harness_cpu_pct"], 1),
            "concurrent_requests": s.batch_concurrency,
            "runs": api_runs,
            "bare_runs": bare_runs,
        },
    )


# --- stage 3 ----------------------------------------------------------------------------


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
    and the first event is in Neo4j, so start-up and the first rebalance are excluded."""
    first: tuple[float, int] | None = None
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        count = await ctx.graph.count_events()
        now = time.monotonic()
        if first is None and count > 0 and await _assigned(writers):
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
    if first is None:
        raise RuntimeError("the writers finished before the clock could start")
    cpu = meter.stop()
    seconds = now - first[0]
    return {
        "events_per_s": (count - first[1]) / seconds,
        "seconds": round(seconds, 2),
        "counted_from": first[1],
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
    records = [EventRecord(i, "ocsf", e, received) for i, e in zip(ids, raw_events, strict=True)]
    graph_events = [to_graph_event(r.id, r.source_format, r.event, r.received_at) for r in records]
    del raw_events
    await backends.create_topic(ctx.env, topic, 6)
    produce_s = await backends.produce_all(ctx.env, topic, backends.serialized(records))
    del records

    # Baseline: sequential write_events, one batch size at a time, on an empty graph.
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
    baseline_cpu = meter.stop()
    baseline = total / seconds
    del graph_events

    results: dict[str, dict[str, Any]] = {}
    # Two runs at the writer's default batch size, then one at the baseline's best.
    runs: list[tuple[int, int | None]] = [(1, None), (2, None), (1, best)]
    for n, batch_size in runs:
        await ctx.graph.wipe()
        label = f"writers_{n}" + (f"_batch_{batch_size}" if batch_size else "")
        group = f"{topic}-{label}"
        extra = {"WRITER_BATCH_SIZE": str(batch_size)} if batch_size else {}
        writers = [ctx.graph_writer(f"s3-{label}-{k}", topic, group, **extra) for k in range(n)]
        async with running(*writers):
            meter = ctx.meter(**{f"writer{k}": w.pid for k, w in enumerate(writers)})
            results[label] = await _drain(ctx, total, writers, meter)
    one = results["writers_1"]["events_per_s"]
    two = results["writers_2"]["events_per_s"]
    ratio = one / baseline
    return StageResult(
        3,
        f"graph_writer drain of {total:,} events (6 partitions) vs write_events",
        "events/s",
        one,
        baseline,
        ratio,
        ">= 85%",
        ratio >= 0.85,
        {
            "best_batch_size": best,
            "sweep_events_per_s": {str(k): round(v, 1) for k, v in sweep.items()},
            "sweep_events": s.sweep_events,
            "baseline_cpu": baseline_cpu,
            "writer_batch_size": GraphWriterSettings.model_fields["writer_batch_size"].default,
            "two_writers_events_per_s": round(two, 1),
            "two_vs_one": round(two / one, 3),
            "one_writer_at_best_batch_ratio": round(
                results[f"writers_1_batch_{best}"]["events_per_s"] / baseline, 3
            ),
            "one_writer_vs_baseline_at_default": _at_default_batch(one, sweep),
            "prefill_seconds": round(produce_s, 2),
            **results,
        },
    )


def _at_default_batch(writer_rate: float, sweep: dict[int, float]) -> float | None:
    default = GraphWriterSettings.model_fields["writer_batch_size"].default
    return round(writer_rate / sweep[default], 3) if default in sweep else None


# --- stage 4 ----------------------------------------------------------------------------


async def stage4(ctx: Context) -> StageResult:
    s = ctx.sizes
    topic = ctx.topic("s4")
    await ctx.graph.wipe()
    writer = ctx.graph_writer("s4-writer", topic, f"{topic}-group", WRITER_BATCH_WAIT_MS="5")
    api = ctx.ingest_api("s4-ingest", topic)
    warmup = 2.0
    pending: dict[str, tuple[float, float]] = {}
    ack_to_visible: list[float] = []
    sched_to_visible: list[float] = []
    poll_seconds: list[float] = []
    started: list[float] = []
    load_done = asyncio.Event()

    def on_ack(event_id: str, t_sched: float, t_ack: float) -> None:
        if started and t_sched >= started[0] + warmup:
            pending[event_id] = (t_sched, t_ack)

    async def poller() -> None:
        give_up = float("inf")
        while True:
            if load_done.is_set():
                give_up = min(give_up, time.monotonic() + 15)
                if not pending or time.monotonic() > give_up:
                    return
            began = time.monotonic()
            ids = list(pending)[:5_000]
            if ids:
                found = await ctx.graph.visible(ids)
                seen = time.monotonic()  # upper bound of when the write became visible
                poll_seconds.append(seen - began)
                for event_id in found:
                    t_sched, t_ack = pending.pop(event_id)
                    ack_to_visible.append(max(0.0, seen - t_ack))
                    sched_to_visible.append(seen - t_sched)
            await asyncio.sleep(max(0.0, 0.02 - (time.monotonic() - began)))

    async with running(writer, api):
        await asyncio.gather(
            api.wait_ready(), writer.wait_ready(check=lambda body: bool(body.get("partitions")))
        )
        meter = ctx.meter(ingest=api.pid, writer=writer.pid, harness=os.getpid())
        poll_task = asyncio.create_task(poller())

        def on_start(t: float) -> None:
            started.append(t)
            meter.start()

        spec = {
            "port": api.port,
            "path": "/events",
            "mode": "open",
            "rate": s.e2e_rate,
            "connections": 32,
            "duration_s": s.e2e_seconds + warmup,
            "warmup_s": warmup,
            "seed": SEED + 4,
            "pool": 5_000,
            "id_prefix": f"{ctx.run_id}-s4",
            "emit_acks": True,
            "api_key": API_KEY,
        }
        load = await run_load(spec, on_start=on_start, on_ack=on_ack)
        cpu = meter.stop()
        load_done.set()
        await poll_task
        _, text = await http_get("127.0.0.1", writer.port, "/metrics")
    writer_metrics = histogram_means(
        text.decode(errors="replace"),
        ("graph_writer_neo4j_write_seconds", "graph_writer_batch_size"),
    )
    _check_errors(load, "stage 4")
    lost = len(pending)
    ack_to_visible.sort()
    sched_to_visible.sort()
    p99 = _pct(ack_to_visible, 0.99) * 1000
    return StageResult(
        4,
        f"end to end at {s.e2e_rate:.0f} events/s: POST acked -> visible in Neo4j",
        "ms p99",
        p99,
        None,
        None,
        "p99 < 250 ms",
        p99 < 250 and lost == 0,
        {
            "ack_to_visible_p50_ms": round(_pct(ack_to_visible, 0.5) * 1000, 1),
            "ack_to_visible_p99_ms": round(p99, 1),
            "ack_to_visible_max_ms": round(ack_to_visible[-1] * 1000 if ack_to_visible else 0, 1),
            "send_to_visible_p50_ms": round(_pct(sched_to_visible, 0.5) * 1000, 1),
            "send_to_visible_p99_ms": round(_pct(sched_to_visible, 0.99) * 1000, 1),
            "post_p50_ms": round(load["p50_ms"], 2),
            "post_p99_ms": round(load["p99_ms"], 2),
            "achieved_req_per_s": round(load["req_per_s"], 1),
            "events_measured": len(ack_to_visible),
            "events_not_visible_after_15s": lost,
            "poll_query_ms_mean": round(statistics.mean(poll_seconds) * 1000, 2)
            if poll_seconds
            else None,
            "writer_batch_wait_ms": 5,
            "writer_mean_write_ms": round(
                1000 * writer_metrics.get("graph_writer_neo4j_write_seconds", 0.0), 1
            ),
            "writer_mean_batch": round(writer_metrics.get("graph_writer_batch_size", 0.0), 1),
            "cpu": cpu,
            "client_cpu_pct": round(load["client_cpu_pct"], 1),
        },
    )


def histogram_means(text: str, names: tuple[str, ...]) -> dict[str, float]:
    """Mean of each Prometheus histogram (its _sum / _count) in an exposition text."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        for name in names:
            for part in ("_sum", "_count"):
                if line.startswith(name + part + " "):
                    values[name + part] = float(line.split()[1])
    return {n: values[n + "_sum"] / values[n + "_count"] for n in names if values.get(n + "_count")}


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


# --- stage 5 ----------------------------------------------------------------------------


async def stage5(ctx: Context) -> StageResult:
    s = ctx.sizes
    api = ctx.ingest_api("s5-direct", ctx.topic("s5"), USE_KAFKA="false")
    generator = EventGenerator(SEED + 5)
    api_runs: list[dict[str, Any]] = []
    base_runs: list[dict[str, Any]] = []
    async with running(api):
        await api.wait_ready()
        spec = {
            "port": api.port,
            "path": "/events/batch",
            "connections": s.batch_concurrency,
            "events_per_request": BATCH,
            "seed": SEED + 5,
            "pool": POOL,
            "warmup_s": 1.0,
            "expect": [201],
            "api_key": API_KEY,
        }
        for r in range(s.batch_rounds):
            await ctx.graph.wipe()
            res = await _metered_load(
                ctx,
                {**spec, "duration_s": s.batch_seconds, "id_prefix": f"{ctx.run_id}-s5-{r}"},
                server=api.pid,
            )
            _check_errors(res, "stage 5 direct")
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
    measured = _summary(api_runs, "events_per_s")
    baseline = _summary(base_runs, "events_per_s")
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
            "ingest": _lat(api_runs),
            "baseline_cpu": base_runs[-1]["cpu"],
            "concurrent_requests": s.batch_concurrency,
            "runs": api_runs,
            "baseline_runs": base_runs,
        },
    )


# --- stage 6 ----------------------------------------------------------------------------


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
            await run_load(_http_spec(svc.port, s, f"{ctx.run_id}-s6w-{name}", 2.0))
        for r in range(s.overhead_rounds):
            for name in ("off", "on") if r % 2 == 0 else ("on", "off"):
                svc = servers[name]
                res = await _metered_load(
                    ctx,
                    _http_spec(svc.port, s, f"{ctx.run_id}-s6-{name}-{r}", s.overhead_seconds),
                    server=svc.pid,
                )
                _check_errors(res, f"stage 6 metrics {name}")
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
            "on": _lat(runs["on"]),
            "off": _lat(runs["off"]),
            "rounds": s.overhead_rounds,
            "seconds_per_run": s.overhead_seconds,
        },
    )


STAGES: dict[int, Callable[[Context], Awaitable[StageResult]]] = {
    1: stage1,
    2: stage2,
    3: stage3,
    4: stage4,
    5: stage5,
    6: stage6,
}
