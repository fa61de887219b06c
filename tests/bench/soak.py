"""`python -m tests.bench.soak [--minutes 30] [--rate 200] [--restart-every 300] [--no-docs]`

A long run at a steady open-loop rate through the real Kafka and Neo4j named by the
environment: ingest_api and graph_writer as subprocesses, the writer restarted every few
minutes (SIGTERM and SIGKILL in turn), resident memory and CPU of every process sampled,
and at the end an exact reconciliation of what was acknowledged with what is in the
graph. Exits 1 if any check fails. Writes bench-results/soak-<run>.json and docs/soak.md.
**It wipes the graph of the Neo4j it points at.**
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

from shared.mapping import to_graph_event
from tests.bench import backends, report, soak_report
from tests.bench.backends import Graph
from tests.bench.events import EventGenerator
from tests.bench.infra import BenchEnv, Service, cpu_seconds, http_get, rss_mib, run_load
from tests.bench.run import code_version, connect, run_dirs
from tests.bench.stages import API_KEY, Context, Sizes, find_server_pids, histogram_means
from tests.bench.trend import memory_trend, slope_per_hour

SEED = 20240321
POOL = 5_000


def _log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Incarnation:
    """One graph_writer process. Times are seconds since the soak started."""

    number: int
    pid: int
    log: str
    started_s: float
    ready_s: float | None = None
    ended_s: float | None = None
    ended_by: str = ""  # SIGTERM, SIGKILL, final SIGTERM, or exited by itself
    exit_code: int | None = None
    stop_seconds: float | None = None
    # Means over its life, from its /metrics just before the signal.
    mean_batch: float | None = None
    mean_write_ms: float | None = None


@dataclass
class Run:
    """What the soak observed, filled in as it goes."""

    t0: float = field(default_factory=time.monotonic)
    samples: list[dict[str, Any]] = field(default_factory=list)
    incarnations: list[Incarnation] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    acked_twice: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def error(self, kind: str, example: str, n: int = 1) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + n
        if len(self.error_examples) < 10:
            self.error_examples.append(f"{kind}: {example[:300]}")

    def on_ack(self, event_id: str, _t_sched: float, _t_ack: float) -> None:
        if event_id in self.acked:
            self.acked_twice += 1
        self.acked.add(event_id)


class Sampler:
    """RSS and CPU of named processes every `interval` seconds; the writer's pid changes
    with each incarnation and every sample says which one it saw."""

    def __init__(
        self, run: Run, interval: float, pids: dict[str, int], lag: Callable[[], Any]
    ) -> None:
        self.run = run
        self.interval = interval
        self.pids = pids
        self.writer_number = 0
        self._lag = lag
        self._last: dict[str, tuple[int, float, float]] = {}

    async def loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sample()
            try:
                async with asyncio.timeout(self.interval):
                    await stop.wait()
            except TimeoutError:
                continue
        await self.sample()

    async def sample(self) -> None:
        now = self.run.now()
        row: dict[str, Any] = {"t": round(now, 1)}
        for name, pid in self.pids.items():
            rss = rss_mib(pid)
            if rss is None:  # between two writer incarnations
                row[name] = {"rss_mib": None, "cpu_pct": None}
                continue
            cpu = cpu_seconds(pid)
            last = self._last.get(name)
            pct = None
            if last is not None and last[0] == pid and now > last[1]:
                pct = round(100 * (cpu - last[2]) / (now - last[1]), 1)
            self._last[name] = (pid, now, cpu)
            row[name] = {"rss_mib": round(rss, 2), "cpu_pct": pct}
        if "graph_writer" in row:
            row["graph_writer"]["incarnation"] = self.writer_number
        row["load1"] = round(os.getloadavg()[0], 2)
        try:
            row["lag"] = await self._lag()
        except Exception as exc:  # counted as a soak error, and the sampling goes on
            self.run.error("sampler", repr(exc))
            row["lag"] = None
        self.run.samples.append(row)


class Writers:
    """graph_writer incarnations, one at a time, in one consumer group."""

    def __init__(self, ctx: Context, topic: str, group: str, run: Run, sampler: Sampler) -> None:
        self.ctx = ctx
        self.topic = topic
        self.group = group
        self.run = run
        self.sampler = sampler
        self.current: Service | None = None

    async def start(self) -> None:
        number = len(self.run.incarnations) + 1
        svc = self.ctx.graph_writer(f"soak-writer-{number}", self.topic, self.group)
        inc = Incarnation(number, svc.pid, svc.log_path.name, self.run.now())
        self.run.incarnations.append(inc)
        self.current = svc
        await svc.wait_ready(120, check=lambda body: bool(body.get("partitions")))
        inc.ready_s = round(self.run.now() - inc.started_s, 2)
        # Sampled from here: start-up (imports, connecting) would read as growth.
        self.sampler.pids["graph_writer"] = svc.pid
        self.sampler.writer_number = number

    async def stop(self, how: signal.Signals, label: str) -> None:
        svc, inc = self.current, self.run.incarnations[-1]
        assert svc is not None
        if svc.proc.poll() is None:
            await self._scrape(svc, inc)
        begun = time.monotonic()
        if svc.proc.poll() is None:
            svc.proc.send_signal(how)
            inc.ended_by = label
        else:
            inc.ended_by = "exited by itself"
        try:
            code = await asyncio.to_thread(svc.proc.wait, 60)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            code = await asyncio.to_thread(svc.proc.wait, 10)
            inc.ended_by += ", then SIGKILL after 60 s"
        inc.exit_code = code
        inc.stop_seconds = round(time.monotonic() - begun, 2)
        inc.ended_s = round(self.run.now(), 1)
        await svc.stop()  # closes its log
        expected = -signal.SIGKILL if how == signal.SIGKILL else 0
        if code != expected or inc.ended_by != label:
            self.run.error(
                "writer_exit", f"incarnation {inc.number} {inc.ended_by}: exit code {code}"
            )

    async def _scrape(self, svc: Service, inc: Incarnation) -> None:
        status, body = await http_get("127.0.0.1", svc.port, "/metrics")
        if status != 200:
            self.run.error("writer_metrics", f"incarnation {inc.number}: /metrics {status}")
            return
        means = histogram_means(
            body.decode(errors="replace"),
            ("graph_writer_batch_size", "graph_writer_neo4j_write_seconds"),
        )
        inc.mean_batch = round(means.get("graph_writer_batch_size", 0.0), 1)
        inc.mean_write_ms = round(1000 * means.get("graph_writer_neo4j_write_seconds", 0.0), 1)

    async def restart(self, how: signal.Signals) -> None:
        await self.stop(how, how.name)
        await self.start()

    def died(self) -> bool:
        return self.current is not None and self.current.proc.poll() is not None


# --- the run ----------------------------------------------------------------------------


def _load_specs(args: argparse.Namespace, port: int, run_id: str) -> list[dict[str, Any]]:
    """Single POSTs and small batches, each stream at its own steady rate."""
    seconds = args.minutes * 60
    batch_events = args.rate * args.batch_share
    common = {
        "port": port,
        "mode": "open",
        "duration_s": seconds,
        "warmup_s": 0.0,
        "seed": SEED,
        "pool": POOL,
        "emit_acks": True,
        "api_key": API_KEY,
        "request_timeout_s": 30.0,
    }
    specs = []
    if args.rate - batch_events > 0:
        specs.append(
            {
                **common,
                "path": "/events",
                "rate": args.rate - batch_events,
                "connections": 16,
                "id_prefix": f"{run_id}-s",
            }
        )
    if batch_events > 0:
        specs.append(
            {
                **common,
                "path": "/events/batch",
                "rate": batch_events / args.batch_size,
                "events_per_request": args.batch_size,
                "connections": 4,
                "id_prefix": f"{run_id}-b",
            }
        )
    return specs


async def _load(specs: list[dict[str, Any]], run: Run) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(run_load(spec, on_ack=run.on_ack) for spec in specs)))


async def _restarts(
    args: argparse.Namespace, writers: Writers, run: Run, load: asyncio.Task[Any]
) -> None:
    """Restart the writer on schedule (SIGTERM first, then SIGKILL, in turn) until the load
    ends; a writer that dies on its own is recorded and replaced."""
    load_t0 = run.now()
    k = 1
    while not load.done():
        if writers.died():
            await writers.stop(signal.SIGTERM, "(died)")
            await writers.start()
        if run.now() >= load_t0 + k * args.restart_every:
            how = signal.SIGTERM if k % 2 else signal.SIGKILL
            _log(f"restart {k}: {how.name} to writer {run.incarnations[-1].number}")
            await writers.restart(how)
            k += 1
        await asyncio.wait({load}, timeout=1.0)


async def _drain(env: BenchEnv, topic: str, group: str, writers: Writers, limit_s: float) -> float:
    """Seconds until the group has committed every record of the topic."""
    begun = time.monotonic()
    while time.monotonic() - begun < limit_s:
        if writers.died():
            raise RuntimeError("the writer exited while draining")
        if await backends.group_lag(env, topic, group) == 0:
            return time.monotonic() - begun
        await asyncio.sleep(1.0)
    raise RuntimeError(f"the writer did not drain {topic} in {limit_s:.0f} s")


async def _stop_api(api: Service, run: Run) -> int | None:
    api.proc.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.to_thread(api.proc.wait, 60)
    except subprocess.TimeoutExpired:
        code = None
    await api.stop()
    if code != 0:
        run.error("ingest_exit", f"ingest_api exit code {code} after SIGTERM")
    return code


def _log_errors(paths: list[Path], run: Run) -> int:
    """ERROR/CRITICAL lines and tracebacks in the services' JSON logs."""
    found = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            try:
                level = json.loads(line).get("level", "")
            except (ValueError, AttributeError):
                level = "TRACEBACK" if line.startswith("Traceback") else ""
            if level in ("ERROR", "CRITICAL", "TRACEBACK"):
                found += 1
                run.error(f"log_{level.lower()}", f"{path.name}: {line}")
    return found


# --- reconciliation ---------------------------------------------------------------------


def _expected_shape() -> list[tuple[int, int]]:
    """Per pool event: (relationships, distinct entities) the writer must create for it,
    mapped exactly as the services map it."""
    now = datetime.now(UTC)
    shape = []
    for i, event in enumerate(EventGenerator(SEED).events(0, POOL)):
        links = to_graph_event(f"shape-{i}", "ocsf", event, now).links
        shape.append((len(links), len({link.entity.key for link in links})))
    return shape


async def _reconcile(graph: Graph, run_id: str, run: Run) -> dict[str, Any]:
    db = graph.env.neo4j_database
    records, _, _ = await graph.driver.execute_query(
        "MATCH (e:Event) WHERE e.id STARTS WITH $prefix "
        "RETURN e.id AS id, COUNT { (e)-->(:Entity) } AS rels",
        prefix=f"{run_id}-",
        database_=db,
    )
    rels_of: dict[str, int] = {}
    repeated_nodes = 0
    for r in records:
        if r["id"] in rels_of:
            repeated_nodes += 1
        rels_of[r["id"]] = r["rels"]
    shape = _expected_shape()
    wrong_links = [i for i, n in rels_of.items() if n != shape[int(i.rsplit("-", 1)[1]) % POOL][0]]
    expected_event_count = sum(shape[int(i.rsplit("-", 1)[1]) % POOL][1] for i in rels_of)
    counters, _, _ = await graph.driver.execute_query(
        "MATCH (n:Entity) OPTIONAL MATCH (e:Event)-->(n) "
        "WITH n, count(DISTINCT e) AS linked "
        "RETURN count(n) AS entities, sum(n.event_count) AS event_count_sum, "
        "sum(CASE WHEN n.event_count <> linked THEN 1 ELSE 0 END) AS mismatched",
        database_=db,
    )
    total, _, _ = await graph.driver.execute_query(
        "MATCH (e:Event) RETURN count(e) AS n", database_=db
    )
    found = set(rels_of)
    missing = run.acked - found
    unacked_stored = found - run.acked
    c = counters[0]
    return {
        "acknowledged": len(run.acked),
        "acknowledged_twice": run.acked_twice,
        "in_neo4j": len(found),
        "events_in_graph_total": total[0]["n"],
        "missing": len(missing),
        "missing_examples": sorted(missing)[:10],
        "stored_without_ack": len(unacked_stored),
        "duplicate_event_nodes": repeated_nodes,
        "events_with_wrong_relationships": len(wrong_links),
        "wrong_relationship_examples": sorted(wrong_links)[:10],
        "relationships": sum(rels_of.values()),
        "entities": c["entities"],
        "entity_event_count_sum": c["event_count_sum"] or 0,
        "entity_event_count_expected": expected_event_count,
        "entities_with_wrong_event_count": c["mismatched"] or 0,
    }


def _checks(
    graph: dict[str, Any], run: Run, kafka: dict[str, int], trend: dict[str, Any]
) -> dict[str, bool]:
    # An event stored without its ack is legitimate only when its answer was lost.
    lost_answers = sum(v for k, v in run.errors.items() if k.startswith("connection:"))
    return {
        "every acknowledged event is in Neo4j": graph["missing"] == 0,
        "nothing stored that was not acknowledged (beyond lost answers)": (
            graph["stored_without_ack"] <= lost_answers
        ),
        "no event node twice": graph["duplicate_event_nodes"] == 0,
        "no id acknowledged twice": graph["acknowledged_twice"] == 0,
        "every event has exactly its relationships": graph["events_with_wrong_relationships"] == 0,
        "sum of entity event_count = distinct (event, entity) pairs": (
            graph["entity_event_count_sum"] == graph["entity_event_count_expected"]
        ),
        "every entity's event_count = its linked events": (
            graph["entities_with_wrong_event_count"] == 0
        ),
        "events in the graph = events of this run": (
            graph["events_in_graph_total"] == graph["in_neo4j"]
        ),
        "dead-letter topic empty": kafka["dlq_records"] == 0,
        "zero errors": not run.errors,
        "ingest_api memory: no growth trend": trend["verdict"] != "growth",
    }


def _writer_summary(run: Run) -> list[dict[str, Any]]:
    out = []
    for inc in run.incarnations:
        points = [
            (s["t"], s["graph_writer"]["rss_mib"])
            for s in run.samples
            if s.get("graph_writer", {}).get("incarnation") == inc.number
            and s["graph_writer"]["rss_mib"] is not None
        ]
        cpu = [
            s["graph_writer"]["cpu_pct"]
            for s in run.samples
            if s.get("graph_writer", {}).get("incarnation") == inc.number
            and s["graph_writer"]["cpu_pct"] is not None
        ]
        out.append(
            {
                **asdict(inc),
                "samples": len(points),
                "rss_start_mib": points[0][1] if points else None,
                "rss_end_mib": points[-1][1] if points else None,
                "rss_peak_mib": max(v for _, v in points) if points else None,
                "rss_slope_mib_per_h": round(slope_per_hour(points), 1) if points else None,
                "cpu_mean_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
            }
        )
    return out


def _series(run: Run, name: str, since: float = 0.0, until: float = float("inf")) -> list[Any]:
    return [
        (s["t"], s[name]["rss_mib"])
        for s in run.samples
        if name in s and s[name]["rss_mib"] is not None and since <= s["t"] <= until
    ]


def _service_memory(run: Run, name: str, since: float, until: float) -> dict[str, Any]:
    every = _series(run, name)
    window = _series(run, name, since, until)
    cpu = [s[name]["cpu_pct"] for s in run.samples if s.get(name, {}).get("cpu_pct") is not None]
    return {
        "rss_start_mib": every[0][1] if every else None,
        "rss_end_mib": window[-1][1] if window else None,
        "rss_peak_mib": max(v for _, v in every) if every else None,
        "cpu_mean_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
        "trend": memory_trend(window).as_dict(),
    }


async def main_async(args: argparse.Namespace) -> int:
    env = BenchEnv.from_environ()
    started = datetime.now(UTC)
    run_id = "soak-" + started.strftime("%Y%m%dt%H%M%S")
    out_dir, log_dir = run_dirs(run_id)
    connected = await connect(env, _log)
    if connected is None:
        return 2
    graph, neo4j_version = connected
    kafka_pid, neo4j_pid = find_server_pids(env)
    ctx = Context(
        env, run_id, Sizes.for_mode(True), out_dir, log_dir, False, graph, kafka_pid, neo4j_pid
    )
    topic = ctx.topic("events")
    group = f"{topic}-group"
    machine = report.machine_facts(neo4j_version)
    code = code_version()  # now: the tree may change during a long run
    _log(f"run {run_id}: {args.minutes} min at {args.rate:g} events/s, writer restarted every "
         f"{args.restart_every:g} s; Kafka {env.kafka_bootstrap}, Neo4j {env.neo4j_uri} "
         "(this WIPES that graph)")  # fmt: skip
    try:
        await backends.warm_group_coordinator(env, f"bench-{run_id}-warm")
        await graph.wipe()
        await backends.create_topic(env, topic, 6)
        payload = await _soak(args, ctx, topic, group, run_id)
    finally:
        await backends.delete_topics(env, f"bench-{run_id}")
        await graph.close()
    machine["loadavg_end"] = os.getloadavg()
    payload.update(
        {
            "run_id": run_id,
            "started": started.isoformat(timespec="seconds"),
            "code": code,
            "args": vars(args),
            "machine": machine,
            "env": {"kafka": env.kafka_bootstrap, "neo4j": env.neo4j_uri},
            "file": f"{run_id}.json",
        }
    )
    path = out_dir / payload["file"]
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(soak_report.render_console(payload))
    _log(f"results: {path}")
    if args.docs:
        soak_report.write_docs(payload)
        _log(f"updated {soak_report.DOCS}")
    return 0 if all(payload["checks"].values()) else 1


async def _soak(
    args: argparse.Namespace, ctx: Context, topic: str, group: str, run_id: str
) -> dict[str, Any]:
    env = ctx.env
    run = Run()
    api = ctx.ingest_api("soak-ingest", topic)
    pids = {"ingest_api": api.pid}
    pids |= {k: v for k, v in (("kafka", ctx.kafka_pid), ("neo4j", ctx.neo4j_pid)) if v}
    sampler = Sampler(run, args.sample_every, pids, lambda: backends.group_lag(env, topic, group))
    writers = Writers(ctx, topic, group, run, sampler)
    stop_sampling = asyncio.Event()
    sampling: asyncio.Task[None] | None = None
    try:
        await asyncio.gather(api.wait_ready(), writers.start())
        sampling = asyncio.create_task(sampler.loop(stop_sampling), name="sampler")
        load_t0 = run.now()
        specs = _load_specs(args, api.port, run_id)
        load = asyncio.create_task(_load(specs, run), name="load")
        ended: list[float] = []
        load.add_done_callback(lambda _task: ended.append(run.now()))
        await _restarts(args, writers, run, load)
        loads = await load
        load_end = ended[0]
        _log(f"load done: {len(run.acked):,} acknowledged; draining")
        drain_s = await _drain(env, topic, group, writers, args.drain_limit)
        await writers.stop(signal.SIGTERM, "final SIGTERM")
        ingest_exit = await _stop_api(api, run)
    finally:
        stop_sampling.set()
        if sampling is not None:
            await sampling
        if writers.current is not None and writers.current.proc.poll() is None:
            await writers.current.stop()
        await api.stop()
    for result in loads:
        for kind, n in result["errors"].items():
            run.error(f"http:{kind}", result["first_error"], n)
    logs = [ctx.log_dir / inc.log for inc in run.incarnations] + [api.log_path]
    log_errors = _log_errors(logs, run)
    kafka = {
        "records": sum((await backends.end_offsets(env, topic)).values()),
        "dlq_records": sum((await backends.end_offsets(env, f"{topic}-dlq")).values()),
    }
    warmup = min(args.warmup, (load_end - load_t0) / 3)
    ingest = _service_memory(run, "ingest_api", load_t0 + warmup, load_end)
    graph = await _reconcile(ctx.graph, run_id, run)
    checks = _checks(graph, run, kafka, ingest["trend"])
    sent = sum(r["issued"] * r["spec"]["events_per_request"] for r in loads)
    return {
        "duration_s": round(load_end - load_t0, 1),
        "target_rate": args.rate,
        "events_sent": sent,
        "achieved_rate": round(len(run.acked) / max(1e-9, load_end - load_t0), 1),
        "drain_s": round(drain_s, 1),
        "warmup_s": round(warmup, 1),
        "load": loads,
        "graph": graph,
        "kafka": kafka,
        "errors": run.errors,
        "error_examples": run.error_examples,
        "log_error_lines": log_errors,
        "ingest_exit_code": ingest_exit,
        "memory": {
            "ingest_api": ingest,
            "kafka": _service_memory(run, "kafka", load_t0 + warmup, load_end),
            "neo4j": _service_memory(run, "neo4j", load_t0 + warmup, load_end),
        },
        "writers": _writer_summary(run),
        "restarts": {
            "SIGTERM": sum(1 for i in run.incarnations if i.ended_by == "SIGTERM"),
            "SIGKILL": sum(1 for i in run.incarnations if i.ended_by == "SIGKILL"),
        },
        "samples": run.samples,
        "checks": checks,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="load duration")
    parser.add_argument("--rate", type=float, default=150.0, help="events per second")
    parser.add_argument(
        "--restart-every", type=float, default=300.0, help="seconds between writer restarts"
    )
    parser.add_argument(
        "--batch-share", type=float, default=0.5, help="share of events sent in batches"
    )
    parser.add_argument("--batch-size", type=int, default=10, help="events per batch request")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds")
    parser.add_argument(
        "--warmup", type=float, default=180.0, help="seconds left out of the memory trend"
    )
    parser.add_argument(
        "--drain-limit", type=float, default=600.0, help="seconds allowed to drain at the end"
    )
    parser.add_argument(
        "--no-docs", dest="docs", action="store_false", help="do not rewrite docs/soak.md"
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.minutes <= 0 or args.restart_every <= 0 or args.batch_size < 2:
        parser.error("--rate, --minutes and --restart-every must be > 0, --batch-size >= 2")
    if not 0 <= args.batch_share <= 1:
        parser.error("--batch-share must be in [0, 1]")
    return args


def main() -> None:
    raise SystemExit(uvloop.run(main_async(parse_args())))


if __name__ == "__main__":
    main()
