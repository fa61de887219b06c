"""Retention against the real Neo4j: `python -m graph_writer.retention` as a CronJob runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import AsyncGraphDatabase

from shared.mapping.to_graph import to_graph_event
from shared.neo4j_store.repository import GraphRepository
from tests.conftest import ROOT, Graph, Services
from tests.samples import ocsf_authentication, ocsf_network_activity

DAYS = 5
NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=DAYS + 5)
NEW = NOW - timedelta(days=1)
CUTOFF = NOW - timedelta(days=DAYS)


def _env(services: Services, batch: int) -> dict[str, str]:
    return {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "GRAPH_RETENTION_DAYS": str(DAYS),
        "GRAPH_RETENTION_BATCH_SIZE": str(batch),
    }


def _retention(services: Services, batch: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph_writer.retention"],
        cwd=ROOT,
        env=_env(services, batch),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _write(services: Services, envelopes: list[tuple[str, dict[str, Any]]]) -> None:
    """Through the writer's own code, so counters and links are exactly production's."""
    asyncio.run(_write_async(services, envelopes))


async def _write_async(services: Services, envelopes: list[tuple[str, dict[str, Any]]]) -> None:
    events = [to_graph_event(i, "ocsf", e, NOW) for i, e in envelopes]
    driver = AsyncGraphDatabase.driver(
        services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password)
    )
    try:
        await GraphRepository(driver, "neo4j").write_events(events)
    finally:
        await driver.close()


def _entities(graph: Graph) -> dict[str, tuple[int, Any, Any]]:
    rows = graph.query(
        "MATCH (n:Entity) RETURN n.key AS key, n.event_count AS c, n.first_seen AS f, "
        "n.last_seen AS l"
    )
    return {r["key"]: (r["c"], r["f"], r["l"]) for r in rows}


def _no_orphans(graph: Graph) -> None:
    assert (
        graph.value(
            "MATCH (n:Entity) WHERE n.last_seen < $cutoff AND NOT EXISTS { (n)<--(:Event) } "
            "RETURN count(n) AS c",
            cutoff=CUTOFF,
        )
        == 0
    )
    assert graph.value("MATCH (n:Entity) WHERE n._retention_lock IS NOT NULL RETURN count(n)") == 0


def test_retention_deletes_the_old_and_keeps_the_new_and_the_counters(
    services: Services, graph: Graph
) -> None:
    # 10.9.9.9 is only in old events, 10.7.7.7 only in new ones; alice, the DC and
    # 10.0.0.5 appear in both.
    old = [
        (f"old-{i}", ocsf_authentication(f"old-{i}", "10.9.9.9", _ms(OLD) + i)) for i in range(12)
    ]
    old += [
        (f"oldnet-{i}", ocsf_network_activity(f"oldnet-{i}", "10.0.0.5", OLD.timestamp() + i))
        for i in range(5)
    ]
    new = [
        (f"new-{i}", ocsf_authentication(f"new-{i}", "10.7.7.7", _ms(NEW) + i)) for i in range(8)
    ]
    new += [
        (f"newnet-{i}", ocsf_network_activity(f"newnet-{i}", "10.0.0.5", NEW.timestamp() + i))
        for i in range(3)
    ]
    _write(services, old + new)
    # Entity-to-entity associations as the mapping will create them, one stale, one fresh,
    # and an entity without events but seen within the window (kept: not older than it).
    graph.query(
        "MATCH (a:Entity {key: 'IP:10.0.0.5'}), (b:Entity {key: 'IP:93.184.216.34'}) "
        "CREATE (a)-[:CONNECTED_TO {event_count: 3, first_seen: $old, last_seen: $old}]->(b), "
        "       (a)-[:RESOLVED_TO {event_count: 1, first_seen: $new, last_seen: $new}]->(b) "
        "CREATE (:Entity:Hostname {key: 'Hostname:fresh', type: 'Hostname', event_count: 1, "
        "        first_seen: $new, last_seen: $new})",
        old=OLD,
        new=NEW,
    )
    before = _entities(graph)
    # The stale one above, and those the old authentications' schema associations made.
    stale_associations = graph.value(
        "MATCH (:Entity)-[r]->(:Entity) WHERE r.last_seen < $cutoff RETURN count(r) AS c",
        cutoff=CUTOFF,
    )
    assert stale_associations > 1
    kept_keys = {
        r["key"]
        for r in graph.query(
            "MATCH (ev:Event)-->(n:Entity) WHERE ev.time >= $cutoff RETURN DISTINCT n.key AS key",
            cutoff=CUTOFF,
        )
    } | {"Hostname:fresh"}
    assert "IP:10.9.9.9" in before
    assert "IP:10.9.9.9" not in kept_keys

    done = _retention(services, batch=4)

    assert done.returncode == 0, done.stderr
    assert 'graph_retention_deleted_total{kind="event"} 17.0' in done.stdout
    assert (
        f'graph_retention_deleted_total{{kind="association"}} {stale_associations}.0' in done.stdout
    )
    deleted_entities = len(before) - len(kept_keys)
    assert f'graph_retention_deleted_total{{kind="entity"}} {deleted_entities}.0' in done.stdout
    assert "graph_retention_last_run_success 1.0" in done.stdout
    ids = {r["id"] for r in graph.query("MATCH (ev:Event) RETURN ev.id AS id")}
    assert ids == {i for i, _ in new}
    after = _entities(graph)
    assert set(after) == kept_keys
    # Survivors keep what they counted, deleted events included.
    assert after == {k: before[k] for k in kept_keys}
    assert after["IP:10.0.0.5"][0] == 8
    # Only fresh entity-to-entity relationships are left: the new authentications' and
    # the fresh one above.
    assert (
        graph.value(
            "MATCH (:Entity)-[r]->(:Entity) WHERE r.last_seen < $cutoff RETURN count(r) AS c",
            cutoff=CUTOFF,
        )
        == 0
    )
    assert {"RESOLVED_TO", "ASSOCIATED_WITH"} == {
        row["t"] for row in graph.query("MATCH (:Entity)-[r]->(:Entity) RETURN type(r) AS t")
    }
    _no_orphans(graph)
    # Every surviving event keeps all its links.
    assert graph.value("MATCH (ev:Event)-[r]->(:Entity) RETURN count(r) AS c") > 0

    again = _retention(services, batch=4)
    assert again.returncode == 0, again.stderr
    assert 'graph_retention_deleted_total{kind="event"} 0.0' in again.stdout
    assert _entities(graph) == after


_BULK_OLD = """
UNWIND range(0, $n - 1) AS i
CREATE (ev:Event {id: 'bulk-' + i, class_uid: 3002, time: $old + duration({seconds: i})})
MERGE (hot:Entity {key: 'IP:10.1.1.1'})
  ON CREATE SET hot.type = 'IP', hot.event_count = 0, hot.first_seen = $old, hot.last_seen = $old
SET hot.event_count = hot.event_count + 1
CREATE (u:Entity:User {key: 'User:bulk-' + i, type: 'User', event_count: 1,
                       first_seen: ev.time, last_seen: ev.time})
CREATE (ev)-[:HAS_SOURCE]->(hot), (ev)-[:HAS_USER]->(u)
"""


def test_retention_killed_mid_run_finishes_on_the_next(services: Services, graph: Graph) -> None:
    new = [
        (f"new-{i}", ocsf_authentication(f"new-{i}", "10.1.1.1", _ms(NEW) + i)) for i in range(5)
    ]
    _write(services, new)
    total_old = 4000
    with graph.driver.session(database="neo4j") as session:
        session.run(_BULK_OLD, n=total_old, old=OLD).consume()
    before = _entities(graph)
    hot_before = before["IP:10.1.1.1"]

    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_writer.retention"],
        cwd=ROOT,
        env=_env(services, batch=10),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    remaining = total_old
    while remaining == total_old and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
        remaining = graph.value(
            "MATCH (ev:Event) WHERE ev.time < $cutoff RETURN count(ev) AS c", cutoff=CUTOFF
        )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "retention finished before it could be killed"
    assert 0 < remaining < total_old
    # The kill left some of the old events and every orphan entity behind.
    assert graph.value("MATCH (n:User) WHERE n.key STARTS WITH 'User:bulk-' RETURN count(n)") > 0

    done = _retention(services, batch=500)

    assert done.returncode == 0, done.stderr
    assert graph.value("MATCH (ev:Event) RETURN count(ev) AS c") == len(new)
    assert graph.value("MATCH (n:User) WHERE n.key STARTS WITH 'User:bulk-' RETURN count(n)") == 0
    after = _entities(graph)
    assert after["IP:10.1.1.1"] == hot_before
    assert after == {k: v for k, v in before.items() if not k.startswith("User:bulk-")}
    _no_orphans(graph)
