"""`python -m bench.run [--quick] [--stages 1,2,...] [--profile] [--docs|--no-docs]`

Runs the stages against the Kafka and Neo4j named by the environment, prints the table,
writes bench-results/<timestamp>.json and (full runs of all stages) docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop
from aiokafka.admin import AIOKafkaAdminClient

from bench import backends, report
from bench.backends import Graph
from bench.infra import ROOT, BenchEnv
from bench.stages import STAGES
from bench.stages_common import Context, Sizes, find_server_pids


def code_version() -> str:
    """The commit under test (BENCH_COMMIT when benchmarking an exported snapshot)."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def preflight(env: BenchEnv, graph: Graph) -> str | None:
    await graph.driver.verify_connectivity()
    records, _, _ = await graph.driver.execute_query(
        "CALL dbms.components() YIELD versions RETURN versions[0] AS v"
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=env.kafka_bootstrap)
    await admin.start()
    await admin.close()
    version: str | None = records[0]["v"] if records else None
    return version


async def connect(env: BenchEnv, log: Callable[[str], None]) -> tuple[Graph, str | None] | None:
    """A Graph on the servers and Neo4j's version; None, said why, when a server is down."""
    graph = Graph(env)
    try:
        return graph, await preflight(env, graph)
    except Exception as exc:
        log(f"Kafka {env.kafka_bootstrap} / Neo4j {env.neo4j_uri} not reachable: {exc!r}")
        log("start them first: deploy/local/services.sh up (or make services-up)")
        await graph.close()
        return None


def run_dirs(run_id: str) -> tuple[Path, Path]:
    """bench-results/ and the run's log folder in it, created."""
    out_dir = ROOT / "bench-results"
    log_dir = out_dir / f"logs-{run_id}"
    log_dir.mkdir(parents=True, exist_ok=True)
    return out_dir, log_dir


async def _run_stage(number: int, ctx: Context) -> dict[str, Any]:
    """One stage's result; a stage that fails is recorded with its error, not fatal."""
    _log(f"stage {number} ...")
    begun = time.monotonic()
    try:
        result = (await STAGES[number](ctx)).as_dict()
    except Exception as exc:
        traceback.print_exc()
        result = {"stage": number, "name": STAGES[number].__name__, "error": repr(exc)[:300]}
    result["wall_seconds"] = round(time.monotonic() - begun, 1)
    _log(f"stage {number} done in {result['wall_seconds']} s")
    return result


async def main_async(args: argparse.Namespace) -> int:
    env = BenchEnv.from_environ()
    started = datetime.now(UTC)
    run_id = started.strftime("%Y%m%dt%H%M%S")
    out_dir, log_dir = run_dirs(run_id)
    connected = await connect(env, _log)
    if connected is None:
        return 2
    graph, neo4j_version = connected
    kafka_pid, neo4j_pid = find_server_pids(env)
    await backends.warm_group_coordinator(env, f"bench-{run_id}-warm")
    ctx = Context(
        env, run_id, Sizes.for_mode(args.quick), out_dir, log_dir, args.profile, graph,
        kafka_pid, neo4j_pid,
    )  # fmt: skip
    _log(f"run {run_id}: Kafka {env.kafka_bootstrap} (pid {kafka_pid}), Neo4j {env.neo4j_uri} "
         f"(pid {neo4j_pid}); this WIPES that Neo4j graph")  # fmt: skip
    machine = report.machine_facts(neo4j_version, report.broker_kafka_version(kafka_pid))
    t0 = time.monotonic()
    try:
        results = [await _run_stage(number, ctx) for number in args.stages]
    finally:
        await backends.delete_topics(env, f"bench-{run_id}")
        await graph.wipe()
        await graph.close()
    machine["loadavg_end"] = os.getloadavg()
    payload = {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "code": code_version(),
        "profile": args.profile,
        "stages": args.stages,
        "wall_seconds": time.monotonic() - t0,
        "env": {"kafka": env.kafka_bootstrap, "neo4j": env.neo4j_uri},
        "machine": machine,
        "results": results,
        "file": f"{run_id}.json",
    }
    path = out_dir / payload["file"]
    path.write_text(json.dumps(payload, indent=2, default=str))
    _log(f"results: {path}")
    write_docs = args.docs if args.docs is not None else (
        not args.quick and not args.profile and sorted(args.stages) == sorted(STAGES)
    )  # fmt: skip
    if write_docs:
        report.write_docs(payload)
        _log(f"updated {report.DOCS}")
    # Last, so the summary is what stays on the screen.
    print("\n" + report.render_summary(payload), flush=True)
    return 1 if any("error" in r for r in results) else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts: a smoke run")
    parser.add_argument(
        "--stages",
        default=",".join(str(n) for n in STAGES),
        type=lambda text: [int(x) for x in text.split(",") if x.strip()],
        help="comma-separated stage numbers (default: all)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="run the services under pyinstrument"
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", dest="docs", action="store_true", default=None)
    docs.add_argument("--no-docs", dest="docs", action="store_false")
    args = parser.parse_args(argv)
    unknown = [n for n in args.stages if n not in STAGES]
    if unknown:
        parser.error(f"unknown stages {unknown}; known: {sorted(STAGES)}")
    return args


def main() -> None:
    raise SystemExit(uvloop.run(main_async(parse_args())))


if __name__ == "__main__":
    main()
