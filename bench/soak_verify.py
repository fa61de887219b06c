"""The end of a soak: what the services logged, and the reconciliation of the
acknowledged ids with the graph."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench.backends import Graph
from bench.events import EventGenerator
from bench.soak_processes import Run
from shared.mapping.to_graph import to_graph_event

# The load generators' event pool; the reconciliation maps the same events again.
SEED: Final = 20240321
POOL: Final = 5_000


def log_errors(paths: list[Path], run: Run) -> int:
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


def expected_shape() -> list[tuple[int, int]]:
    """Per pool event: (relationships, distinct entities) the writer must create for it,
    mapped exactly as the services map it."""
    now = datetime.now(UTC)
    shape = []
    for i, event in enumerate(EventGenerator(SEED).events(0, POOL)):
        links = to_graph_event(f"shape-{i}", "ocsf", event, now).links
        shape.append((len(links), len({link.entity.key for link in links})))
    return shape


async def reconcile(graph: Graph, run_id: str, run: Run) -> dict[str, Any]:
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
    shape = expected_shape()
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


def checks(
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
