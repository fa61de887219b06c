"""What every benchmark stage shares: sizes, results, the run context, load helpers."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.backends import Graph
from bench.infra import (
    BenchEnv,
    CpuMeter,
    Service,
    free_port,
    pid_listening_on,
    run_load,
)

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
    floor_events: int
    floor_warmup: int
    floor_rounds: int

    @classmethod
    def for_mode(cls, quick: bool) -> Sizes:
        if quick:
            return cls(
                3,
                1,
                32,
                4,
                1,
                4,
                10_000,
                4_000,
                (250, 1000),
                6,
                500,
                2,
                3,
                False,
                10_000,
                5_000,
                1,
            )
        return cls(
            8,
            2,
            32,
            10,
            2,
            4,
            100_000,
            20_000,
            (250, 500, 1000, 2000),
            20,
            2000,
            4,
            6,
            True,
            30_000,
            10_000,
            2,
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


async def metered_load(ctx: Context, spec: dict[str, Any], **pids: int | None) -> dict[str, Any]:
    meter = ctx.meter(**pids)
    result = await run_load(spec, on_start=lambda _t: meter.start())
    result["cpu"] = meter.stop()
    return result


async def neo4j_settled(
    pid: int | None, below: float = 0.10, window_s: float = 2.0, limit_s: float = 180.0
) -> dict[str, float] | None:
    """Waits until Neo4j uses less than `below` of a core over `window_s`: what an earlier
    stage left it to do (checkpointing and collecting a wiped graph) would otherwise land
    in the next stage's figures. Seconds waited and the last window's share of a core;
    None without Neo4j's pid."""
    if pid is None:
        return None
    began = time.monotonic()
    while True:
        meter = CpuMeter({"neo4j": pid})
        meter.start()
        await asyncio.sleep(window_s)
        share = meter.stop()["neo4j_cpu_pct"] / 100
        waited = time.monotonic() - began
        if share < below or waited >= limit_s:
            return {"waited_s": round(waited, 1), "neo4j_core_share": round(share, 3)}


def check_errors(result: dict[str, Any], what: str) -> None:
    if result["errors"]:
        raise RuntimeError(f"{what}: errors {result['errors']}: {result['first_error']}")


def http_spec(port: int, sizes: Sizes, prefix: str, seconds: float | None = None) -> dict[str, Any]:
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


def summary(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in results))


def latency(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "req_per_s": round(summary(runs, "req_per_s"), 1),
        "events_per_s": round(summary(runs, "events_per_s"), 1),
        "p50_ms": round(summary(runs, "p50_ms"), 2),
        "p99_ms": round(summary(runs, "p99_ms"), 2),
        "cpu": runs[-1].get("cpu", {}),
        "client_cpu_pct": round(runs[-1]["client_cpu_pct"], 1),
    }


def metric_value(text: str, name: str) -> float:
    """The value of one sample (`name` with its labels, if any) in a Prometheus exposition
    text; 0 when the process has not exported it yet."""
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def histogram_means(text: str, names: tuple[str, ...], before: str = "") -> dict[str, float]:
    """Mean of each Prometheus histogram (its _sum / _count) in an exposition text; with
    `before`, an earlier text of the same process, the mean of what was observed since."""
    now, then = _histogram_totals(text, names), _histogram_totals(before, names)
    means: dict[str, float] = {}
    for n in names:
        count = now.get(n + "_count", 0.0) - then.get(n + "_count", 0.0)
        if count:
            means[n] = (now.get(n + "_sum", 0.0) - then.get(n + "_sum", 0.0)) / count
    return means


def _histogram_totals(text: str, names: tuple[str, ...]) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        for name in names:
            for part in ("_sum", "_count"):
                if line.startswith(name + part + " "):
                    values[name + part] = float(line.split()[1])
    return values


def histogram_buckets(text: str, name: str, before: str = "") -> list[tuple[float, float]]:
    """(upper bound, cumulative count) of a Prometheus histogram without labels but `le`,
    in bound order; with `before`, of what was observed since that earlier text."""
    now, then = _buckets(text, name), _buckets(before, name)
    return sorted((le, count - then.get(le, 0.0)) for le, count in now.items())


def _buckets(text: str, name: str) -> dict[float, float]:
    prefix = name + '_bucket{le="'
    found: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            bound, _, value = line[len(prefix) :].partition('"} ')
            found[float(bound)] = float(value)
    return found


def histogram_quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """Prometheus' histogram_quantile: the bucket holding the q-th observation, linearly
    interpolated within it (the first from 0); None without observations. A quantile in
    the +Inf bucket answers the highest finite bound, as Prometheus does."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (
                count - lower_count
            )
        lower_bound, lower_count = bound, count
    return lower_bound


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


# Events per POST /events/batch request, and the pool they are drawn from.
BATCH = 500
POOL = 5_000


def batch_spec(port: int, sizes: Sizes, seed: int, **extra: Any) -> dict[str, Any]:
    """Load of POST /events/batch, BATCH events a request, `batch_concurrency` at once."""
    return {
        "port": port,
        "path": "/events/batch",
        "connections": sizes.batch_concurrency,
        "events_per_request": BATCH,
        "seed": seed,
        "pool": POOL,
        "warmup_s": 1.0,
        "api_key": API_KEY,
        **extra,
    }
