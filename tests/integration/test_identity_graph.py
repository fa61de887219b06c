"""Identity in the real graph: names every machine has never join two machines, one
machine's mentions of one thing stay one node, and no different event is swallowed."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from neo4j import AsyncGraphDatabase
from starlette.testclient import TestClient

from graph_writer.rekey import MIGRATION, remap
from ingest_api.app import create_app
from shared.mapping.graph_model import Entity, GraphEvent, Link
from shared.neo4j_store.rekey import Rekeyer, StoredEvent
from shared.neo4j_store.repository import GraphRepository
from tests.conftest import ROOT, Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.processes import ServiceProcess, start_writer, wait_for
from tests.integration.test_vendor_graphs import snapshot


def _line(host: str, message: str, app: str = "sshd[42]") -> dict[str, Any]:
    return {"source_format": "syslog", "event": f"<38>Mar 14 10:00:00 {host} {app}: {message}"}


def _post(client: TestClient, envelope: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post("/events", json=envelope)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _users_named(graph: Graph, name: str) -> list[dict[str, Any]]:
    return graph.query(
        "MATCH (u:User {name: $name}) RETURN u.key AS key, u.event_count AS events ORDER BY key",
        name=name,
    )


def test_root_on_two_hosts_is_two_nodes_and_one_on_one_host(
    direct_client: TestClient, graph: Graph
) -> None:
    failed = "Failed password for root from 203.0.113.9 port {} ssh2"
    for host, port in (("web-1", 1), ("web-1", 2), ("db-7", 3)):
        _post(direct_client, _line(host, failed.format(port)))
    assert _users_named(graph, "root") == [
        {"key": "User@Host:db-7/root", "events": 1},
        {"key": "User@Host:web-1/root", "events": 2},
    ]
    # The attacker's address is global: one node for the three attempts.
    assert graph.value("MATCH (i:IP {address: '203.0.113.9'}) RETURN i.event_count AS c") == 3


def test_local_system_is_one_node_per_machine_whichever_spelling(
    direct_client: TestClient, graph: Graph
) -> None:
    def logon(host: str, user: dict[str, str]) -> dict[str, Any]:
        return {"event": {"class_uid": 3002, "device": {"hostname": host}, "user": user}}

    _post(direct_client, logon("DC-1", {"uid": "S-1-5-18", "name": "DC-1$"}))
    _post(direct_client, logon("dc-1", {"name": "SYSTEM", "domain": "NT AUTHORITY"}))
    _post(direct_client, logon("DC-2", {"uid": "S-1-5-18", "name": "DC-2$"}))
    rows = graph.query(
        "MATCH (e:Event)-[:HAS_USER]->(u:User) "
        "RETURN u.key AS key, u.event_count AS events, u.name AS name ORDER BY key"
    )
    assert [(r["key"], r["events"]) for r in rows] == [
        ("User@Host:dc-1/S-1-5-18", 2),
        ("User@Host:dc-1/S-1-5-18", 2),
        ("User@Host:dc-2/S-1-5-18", 1),
    ]
    # Each machine keeps its own name for the principal.
    assert rows[-1]["name"] == "DC-2$"


def test_loopback_on_two_hosts_is_two_nodes(direct_client: TestClient, graph: Graph) -> None:
    for host in ("web-1", "db-7"):
        _post(direct_client, _line(host, "Accepted password for alice from 127.0.0.1 port 22 ssh2"))
    keys = graph.value(
        "MATCH (i:IP {address: '127.0.0.1'}) WITH i ORDER BY i.key RETURN collect(i.key) AS k"
    )
    assert keys == ["IP@Host:db-7/127.0.0.1", "IP@Host:web-1/127.0.0.1"]


def test_localhost_broadcast_and_netmasks_are_no_entities(
    direct_client: TestClient, graph: Graph
) -> None:
    _post(direct_client, _line("localhost", "Accepted password for bob from 10.0.0.5 port 22 ssh2"))
    _post(
        direct_client,
        {
            "event": {
                "class_uid": 4001,
                "device": {"hostname": "localhost.localdomain"},
                "src_endpoint": {"ip": "10.0.0.5", "hostname": "localhost"},
                "dst_endpoint": {"ip": "255.255.255.255"},
                "observables": [{"type_id": 2, "name": "mask", "value": "255.255.255.0"}],
            }
        },
    )
    _post(
        direct_client,
        _line(
            "vpn-1",
            "PUSH_REPLY,ifconfig 10.8.0.6 255.255.255.0,broadcast 10.8.0.255",
            app="openvpn[7]",
        ),
    )
    assert graph.value("MATCH (h:Host) RETURN count(h) AS c") == 1  # vpn-1
    addresses = graph.value("MATCH (i:IP) WITH i ORDER BY i.key RETURN collect(i.key) AS k")
    assert addresses == ["IP:10.0.0.5", "IP:10.8.0.6"]
    # The line from `localhost` still has its user, kept inside its one event.
    assert [r["key"] for r in _users_named(graph, "bob")] == [
        f"User@Event:{graph.value('MATCH (e:Event)-[:HAS_USER]->(:User) RETURN e.id AS i')}/bob"
    ]


def test_an_icmp_error_links_the_outer_destination(direct_client: TestClient, graph: Graph) -> None:
    line = (
        "<4>Mar 14 10:00:00 gw-1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.20 "
        "DST=203.0.113.7 LEN=96 PROTO=ICMP TYPE=3 CODE=3 [SRC=203.0.113.7 DST=192.0.2.53 "
        "LEN=68 PROTO=UDP SPT=5353 DPT=53 LEN=48 ]"
    )
    _post(direct_client, {"source_format": "syslog", "event": line})
    rows = graph.query(
        "MATCH (:Event)-[r]->(i:IP) RETURN type(r) AS rel, i.key AS key ORDER BY rel"
    )
    assert rows == [
        {"rel": "HAS_DESTINATION", "key": "IP:203.0.113.7"},
        {"rel": "HAS_SOURCE", "key": "IP:198.51.100.20"},
    ]


ZEEK = {
    "class_uid": 4001,
    "time": 1710410400000,
    "metadata": {"uid": "CHhAvVGS1DHFjwGM9", "product": {"name": "Zeek"}, "processed_time": 1},
    "src_endpoint": {"ip": "10.0.0.5", "port": 51514},
    "dst_endpoint": {"ip": "93.184.216.34", "port": 443},
}
ZEEK_OTHER_PORTS = {**ZEEK, "src_endpoint": {"ip": "10.0.0.5", "port": 51999}}
ZEEK_FORWARDED = {**ZEEK, "metadata": {**ZEEK["metadata"], "processed_time": 2}}  # type: ignore[dict-item]


def test_direct_a_different_event_sharing_a_uid_is_stored_and_a_resend_is_not(
    direct_client: TestClient, graph: Graph
) -> None:
    first = _post(direct_client, {"event": ZEEK})
    other = _post(direct_client, {"event": ZEEK_OTHER_PORTS})
    again = _post(direct_client, {"event": ZEEK_FORWARDED})
    assert (first["duplicate"], other["duplicate"], again["duplicate"]) == (False, False, True)
    assert first["id"] == again["id"] != other["id"]
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 2


def test_kafka_a_different_event_sharing_a_uid_is_stored_and_a_resend_is_not(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    writers.append(start_writer(services, topic, f"identity-{topic}", tmp_path))
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    with TestClient(create_app(settings)) as client:
        first = _post(client, {"event": ZEEK}, 202)
        other = _post(client, {"event": ZEEK_OTHER_PORTS}, 202)
        assert (first["duplicate"], other["duplicate"]) == (False, False)
        assert first["id"] != other["id"]
        writers[0].wait_ready()
        wait_for(
            lambda: graph.value("MATCH (e:Event) RETURN count(e) AS c") == 2, 120, "both events"
        )
        again = _post(client, {"event": ZEEK_FORWARDED}, 202)
        assert (again["id"], again["duplicate"]) == (first["id"], True)
    ports = graph.value(
        "MATCH (e:Event) WITH e ORDER BY e.id RETURN collect(e.raw CONTAINS '51999') AS p"
    )
    assert sorted(ports) == [False, True]


# --- re-keying an existing graph ------------------------------------------------------------

_SCOPED = re.compile(r"(?P<kind>\w+)@(?P<scope>[^/]*)/(?P<natural>.*)", re.DOTALL)


def _old_key(key: str) -> str:
    """The key the previous release gave: local names stood alone (`User:root`), and
    processes and paths took their host as a plain prefix (`Process:Host:web-1/42/sshd`)."""
    found = _SCOPED.fullmatch(key)
    if found is None:
        return key
    kind, scope, natural = found["kind"], found["scope"].replace("%2F", "/"), found["natural"]
    if kind in ("Process", "File"):
        return f"{kind}:{scope.replace('Event:', 'event/')}/{natural}"
    return f"{kind}:{natural if natural.startswith('S-1-') else natural.lower()}"


def _as_old_release(event: GraphEvent) -> GraphEvent:
    links = tuple(
        Link(
            link.rel,
            Entity(
                _old_key(link.entity.key), link.entity.type, link.entity.label, link.entity.attrs
            ),
        )
        for link in event.links
    )
    pairs = {(_old_key(a), _old_key(b)) for a, b in event.associations}
    ordered = sorted((a, b) if a < b else (b, a) for a, b in pairs)
    return replace(event, links=links, associations=tuple(ordered))


def _identity_envelopes() -> list[dict[str, Any]]:
    failed = "Failed password for root from 203.0.113.9 port {} ssh2"
    logon = {"class_uid": 3002, "time": 1710410400000, "src_endpoint": {"ip": "10.0.0.5"}}
    return [
        *(_line(h, failed.format(p)) for h, p in (("web-1", 1), ("web-1", 2), ("db-7", 3))),
        _line("web-1", "Accepted password for alice from 127.0.0.1 port 22 ssh2"),
        _line("db-7", "Accepted password for alice from 127.0.0.1 port 22 ssh2"),
        {"event": {**logon, "device": {"hostname": "DC-1"}, "user": {"uid": "S-1-5-18"}}},
        {"event": {**logon, "device": {"hostname": "DC-2"}, "user": {"uid": "S-1-5-18"}}},
        {"event": {**logon, "user": {"name": "CORP\\Alice"}}},
        {
            "event": {
                **logon,
                "user": {"name": "admin"},
                "actor": {"process": {"pid": 7, "name": "x"}},
            }
        },
    ]


async def _write_old_graph(services: Services, events: list[GraphEvent]) -> None:
    driver = AsyncGraphDatabase.driver(
        services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password)
    )
    try:
        await GraphRepository(driver, "neo4j").write_events([_as_old_release(e) for e in events])
    finally:
        await driver.close()


async def _one_batch(services: Services, size: int) -> None:
    driver = AsyncGraphDatabase.driver(
        services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password)
    )
    try:
        rekeyer = Rekeyer(driver, "neo4j", MIGRATION)
        while (await rekeyer.progress()).phase == "associations":
            await rekeyer.delete_associations(size)
        await rekeyer.rewrite_batch("", size, remap)
    finally:
        await driver.close()


def _rekey(services: Services, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "GRAPH_REKEY_BATCH_SIZE": "4",
    }
    return subprocess.run(
        [sys.executable, "-m", "graph_writer.rekey", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_rekey_turns_an_old_graph_into_the_graph_of_the_new_keys(
    direct_client: TestClient, services: Services, graph: Graph
) -> None:
    """The old graph is what the previous release wrote for the same events (local names
    merged across machines); re-keyed, interrupted once and resumed, it must become
    exactly the graph the new mapping writes, counters and associations included."""
    for envelope in _identity_envelopes():
        _post(direct_client, envelope)
    expected = snapshot(graph)
    stored = graph.query(
        "MATCH (e:Event) RETURN e.id AS id, e.raw AS raw, e.source_format AS fmt, "
        "e.received_at AS received_at ORDER BY id"
    )
    events = [remap(StoredEvent(r["id"], r["raw"], r["fmt"], r["received_at"])) for r in stored]
    graph.wipe()
    asyncio.run(_write_old_graph(services, [e for e in events if e is not None]))
    assert graph.value("MATCH (u:User {key: 'User:root'}) RETURN u.event_count AS c") == 3
    assert snapshot(graph) != expected

    asyncio.run(_one_batch(services, 4))  # a run stopped after its first batch
    finished = _rekey(services)
    assert finished.returncode == 0, finished.stderr
    result = snapshot(graph)
    assert result == expected
    assert graph.value("MATCH (m:Migration) RETURN m.phase AS p") == "done"
    # Done is done: running again changes nothing; --restart rewrites it all, the same way.
    assert _rekey(services).returncode == 0
    assert _rekey(services, "--restart").returncode == 0
    assert snapshot(graph) == expected
