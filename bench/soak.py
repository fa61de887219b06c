"""`python -m bench.soak [--minutes 30] [--rate 150] [--restart-every 300] [--no-docs]`

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
from datetime import UTC, datetime
from typing import Any

import uvloop

from bench import backends, report, soak_report
from bench.infra import BenchEnv, Service, run_load
from bench.run import code_version, connect, run_dirs
from bench.soak_processes import Run, Sampler, Writers
from bench.soak_summary import Driven, summarize
from bench.soak_verify import POOL, SEED, log_errors, reconcile
from bench.stages_common import API_KEY, Context, Sizes, find_server_pids


def _log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


def restart_due(elapsed_s: float, k: int, args: argparse.Namespace) -> bool:
    """Whether restart `k` (from 1) is due `elapsed_s` into the load: every
    `--restart-every` seconds, except in the last `--last-writer-minutes`, which one
    incarnation lives through so that its memory trend can be judged."""
    due: float = k * args.restart_every
    last_by: float = (args.minutes - args.last_writer_minutes) * 60
    return elapsed_s >= due and due < last_by


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
        if restart_due(run.now() - load_t0, k, args):
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
    machine = report.machine_facts(neo4j_version, report.broker_kafka_version(kafka_pid))
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
    run = Run()
    driven = await _drive(args, ctx, topic, group, run_id, run)
    for result in driven.loads:
        for kind, n in result["errors"].items():
            run.error(f"http:{kind}", result["first_error"], n)
    logs = [ctx.log_dir / inc.log for inc in run.incarnations] + [driven.api_log]
    logged_errors = log_errors(logs, run)
    kafka = {
        "records": sum((await backends.end_offsets(ctx.env, topic)).values()),
        "dlq_records": sum((await backends.end_offsets(ctx.env, f"{topic}-dlq")).values()),
    }
    graph = await reconcile(ctx.graph, run_id, run)
    return summarize(args, run, driven, graph, kafka, logged_errors)


async def _drive(
    args: argparse.Namespace, ctx: Context, topic: str, group: str, run_id: str, run: Run
) -> Driven:
    """Load, restarts, drain and the final stops; every process is stopped on the way out."""
    env = ctx.env
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
    return Driven(loads, load_t0, ended[0], drain_s, ingest_exit, api.log_path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="load duration")
    parser.add_argument("--rate", type=float, default=150.0, help="events per second")
    parser.add_argument(
        "--restart-every", type=float, default=300.0, help="seconds between writer restarts"
    )
    parser.add_argument(
        "--last-writer-minutes",
        type=float,
        default=0.0,
        help="no restart in the load's last N minutes: one writer incarnation lives that long",
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
    if not 0 <= args.last_writer_minutes <= args.minutes:
        parser.error("--last-writer-minutes must be between 0 and --minutes")
    if args.rate <= 0 or args.minutes <= 0 or args.restart_every <= 0 or args.batch_size < 2:
        parser.error("--rate, --minutes and --restart-every must be > 0, --batch-size >= 2")
    if not 0 <= args.batch_share <= 1:
        parser.error("--batch-share must be in [0, 1]")
    return args


def main() -> None:
    raise SystemExit(uvloop.run(main_async(parse_args())))


if __name__ == "__main__":
    main()
