"""Retention throughput while graph_writer writes: `python -m bench.retention`.

WIPES the Neo4j it points at (NEO4J_URI, or localhost:$NEO4J_BOLT_PORT): run it against
a private server. It writes `--old` events of 2024 through the writer's own code, fills
a fresh topic with `--new` events timed now, starts one graph_writer on that topic, and
once the writer is busy runs `python -m graph_writer.retention` (GRAPH_RETENTION_DAYS=30)
next to it. Both streams touch the same entities (the same generator pools), so the
retention deletes contend with the writer's entity updates. Reported: events deleted per
second, the writer's rate during the run, and the checks (no old event or orphan left,
every new event written, no dead letter, no writer error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.backends import (
    Graph,
    chunks,
    create_topic,
    delete_topics,
    graph_events,
    group_lag,
    produce_all,
    serialized,
)
from bench.events import EventGenerator
from bench.infra import ROOT, BenchEnv, Service, free_port, http_get
from bench.stages_common import metric_value
from shared.kafka_io.codec import EventRecord

DAYS = 30


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _new_records(generator: EventGenerator, start: int, count: int) -> list[EventRecord]:
    now = datetime.now(UTC)
    now_ms = int(now.timestamp() * 1000)
    records = []
    for i in range(start, start + count):
        event = generator.event(i)
        event["time"] = now_ms - (start + count - i)  # within the window, all distinct
        records.append(EventRecord(f"new-{i}", "ocsf", event, now))
    return records


async def _value(graph: Graph, cypher: str, **params: Any) -> Any:
    records, _, _ = await graph.driver.execute_query(
        cypher, params, database_=graph.env.neo4j_database
    )
    return records[0][0]


async def _until(
    probe: Callable[[], Awaitable[int]], done: Callable[[int], bool], limit_s: float = 600
) -> None:
    """Poll a count on the servers (nothing in this process can signal it) until done."""
    deadline = time.monotonic() + limit_s
    value = await probe()
    while not done(value):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still {value} after {limit_s} s")
        await asyncio.sleep(0.2)
        value = await probe()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    env = BenchEnv.from_environ()
    graph = Graph(env)
    topic = f"bench-retention-{uuid.uuid4().hex[:8]}"
    log_dir = Path(args.log_dir)
    generator = EventGenerator(seed=7)
    try:
        _log(f"wiping {env.neo4j_uri}")
        await graph.wipe()
        _log(f"writing {args.old} old events through GraphRepository")
        old = graph_events(generator, [f"old-{i}" for i in range(args.old)])
        await graph.write_batches(chunks(old, 500), concurrency=2)
        del old
        entities_before = await _value(graph, "MATCH (n:Entity) RETURN count(n)")
        _log(f"{entities_before} entities; producing {args.new} new events to {topic}")
        await create_topic(env, topic)
        await produce_all(env, topic, serialized(_new_records(generator, args.old, args.new)))

        port = free_port()
        writer = Service(
            "graph_writer",
            ["-m", "graph_writer"],
            env.service_env(topic, f"{topic}-group", GRAPH_WRITER_HEALTH_PORT=str(port)),
            port,
            log_dir,
        )
        try:
            await writer.wait_ready()
            # Let the writer reach its steady rate before retention starts.
            await _until(
                lambda: graph.count_events(), lambda n: n >= args.old + min(args.new // 10, 5_000)
            )
            written_at_start = await graph.count_events() - args.old
            _log(f"writer busy ({written_at_start} new events in); starting retention")
            started = time.monotonic()
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "graph_writer.retention"],
                cwd=ROOT,
                env={
                    **os.environ,
                    "NEO4J_URI": env.neo4j_uri,
                    "NEO4J_USER": env.neo4j_user,
                    "NEO4J_PASSWORD": env.neo4j_password,
                    "NEO4J_DATABASE": env.neo4j_database,
                    "GRAPH_RETENTION_DAYS": str(DAYS),
                    "GRAPH_RETENTION_BATCH_SIZE": str(args.batch),
                },
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.monotonic() - started
            remaining_old = await _value(
                graph, "MATCH (e:Event) WHERE e.id STARTS WITH 'old-' RETURN count(e)"
            )
            written_during = (
                await _value(graph, "MATCH (e:Event) WHERE e.id STARTS WITH 'new-' RETURN count(e)")
                - written_at_start
            )
            writer_busy_to_end = remaining_old == 0 and written_at_start + written_during < args.new
            await asyncio.to_thread((log_dir / "retention.log").write_text, done.stderr)
            _log(f"retention exited {done.returncode} after {wall:.1f} s; draining the writer")
            await _until(lambda: group_lag(env, topic, f"{topic}-group"), lambda lag: lag == 0)
            _, metrics = await http_get("127.0.0.1", port, "/metrics")
        finally:
            await writer.stop()
        dead_letters = metric_value(metrics.decode(), "graph_writer_dead_letters_total")
        writer_log = writer.log_path.read_text(errors="replace")
        events_deleted = metric_value(done.stdout, 'graph_retention_deleted_total{kind="event"}')
        duration = metric_value(done.stdout, "graph_retention_duration_seconds")
        new_events = await _value(
            graph, "MATCH (e:Event) WHERE e.id STARTS WITH 'new-' RETURN count(e)"
        )
        orphans = await _value(
            graph,
            "MATCH (n:Entity) WHERE n.last_seen < datetime() - duration({days: $days}) "
            "AND NOT EXISTS { (n)<--(:Event) } RETURN count(n)",
            days=DAYS,
        )
        return {
            "old_events": args.old,
            "new_events": args.new,
            "batch_size": args.batch,
            "entities_before": entities_before,
            "retention_exit": done.returncode,
            "events_deleted": int(events_deleted),
            "entities_deleted": int(
                metric_value(done.stdout, 'graph_retention_deleted_total{kind="entity"}')
            ),
            "relationships_deleted": int(
                metric_value(done.stdout, 'graph_retention_deleted_total{kind="relationship"}')
            ),
            "retention_seconds": round(duration, 2),
            "events_deleted_per_s": round(events_deleted / duration) if duration else None,
            "writer_events_during_retention": written_during,
            "writer_events_per_s_during_retention": round(written_during / wall) if wall else None,
            "writer_still_busy_at_end": writer_busy_to_end,
            "checks": {
                "old_events_left": remaining_old,
                "new_events_in_graph": new_events,
                "orphan_entities": orphans,
                "dead_letters": dead_letters,
                "writer_errors": writer_log.count('"level": "ERROR"'),
            },
        }
    finally:
        await delete_topics(env, topic)
        await graph.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=int, default=100_000, help="events older than the window")
    parser.add_argument("--new", type=int, default=100_000, help="events the writer writes")
    parser.add_argument("--batch", type=int, default=1_000, help="GRAPH_RETENTION_BATCH_SIZE")
    parser.add_argument("--log-dir", default="bench-results/retention")
    args = parser.parse_args()
    Path(args.log_dir).mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
