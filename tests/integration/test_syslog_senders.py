"""Syslog lines of the newer shapes (account management, old-style PAM tags, PAM's three
accounts, sshd/login/ftp forms, OpenVPN, Snare) through the API into the real Neo4j, in
direct mode and through Kafka and graph_writer: the graph read back is exactly the one
each line names."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.processes import ServiceProcess, start_writer, wait_for

Row = tuple[str, str]

EDGES = """
MATCH (e:Event {id: $id})-[r]->(n:Entity)
RETURN type(r) AS rel, n.key AS key
ORDER BY rel, key
"""

H = "<86>Mar 14 10:00:00 ops-7"
D = ("ON_DEVICE", "Host:ops-7")
U = "User@Host:ops-7/"

# id, line, class_uid, every relationship from its Event
LINES: list[tuple[str, str, int, list[Row]]] = [
    ("useradd", f"{H} useradd[41]: new user: name=anika, UID=1401, GID=1401, home=/home/anika, shell=/bin/bash",
     3001, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/41/useradd"), ("HAS_USER", f"{U}anika"), D]),
    ("gpasswd", f"{H} gpasswd[42]: user anika added by root to group adm",
     3006, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/42/gpasswd"), ("HAS_GROUP", "Group@Host:ops-7/adm"),
            ("HAS_PRINCIPAL", f"{U}root"), ("HAS_USER", f"{U}anika"), D]),
    ("chauthtok", f"{H} passwd[43]: pam_unix(passwd:chauthtok): password changed for anika",
     3001, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/43/passwd"), ("HAS_USER", f"{U}anika"), D]),
    ("old-pam", f"{H} sshd(pam_unix)[44]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=cpe-12.isp.example  user=anika",
     3002, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/44/sshd"), ("HAS_SOURCE", "Host:cpe-12.isp.example"),
            ("HAS_USER", f"{U}anika"), D]),
    ("three-accounts", f"{H} su[45]: pam_unix(su:auth): authentication failure; logname=bo uid=1402 euid=0 tty=pts/1 ruser=anika rhost=  user=root",
     3002, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/45/su"), ("HAS_OBSERVABLE", f"{U}bo"),
            ("HAS_PRINCIPAL", f"{U}anika"), ("HAS_USER", f"{U}root"), D]),
    ("too-many", f"{H} sshd[46]: Too many authentication failures for anika [preauth]",
     3002, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/46/sshd"), ("HAS_USER", f"{U}anika"), D]),
    ("root-login", f"{H} login[47]: ROOT LOGIN ON tty1",
     3002, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/47/login"), ("HAS_USER", f"{U}root"), D]),
    ("ftp", f"{H} ftpd[48]: ANONYMOUS FTP LOGIN FROM 198.51.100.88 [198.51.100.88], x@",
     3002, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/48/ftpd"), ("HAS_SOURCE", "IP:198.51.100.88"), D]),
    ("openvpn", f"{H} openvpn[49]: desk-5/203.0.113.61:1194 MULTI_sva: pool returned IPv4=10.8.0.30, IPv6=(Not enabled)",
     4014, [("HAS_ACTOR_PROCESS", "Process@Host:ops-7/49/openvpn"), ("HAS_SOURCE", "IP:203.0.113.61"),
            ("HAS_TUNNEL_INTERFACE", "IP:10.8.0.30"), ("HAS_USER", f"{U}desk-5"), D]),
    ("snare", "<13>Mar 14 10:00:00 ops-7 MSWinEventLog\t1\tSecurity\t7\tThu Mar 14 10:00:00 2024\t4625\t"
     "Microsoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tOPS-7\tLogon\t\tAn account failed to log on.  "
     "Account For Which Logon Failed:  Security ID:  S-1-0-0  Account Name:  Anika  Account Domain:  OPS-7  "
     "Network Information:  Workstation Name:  THIN-2  Source Network Address:  192.0.2.25\t9",
     3002, [("HAS_SOURCE", "Host:thin-2"), ("HAS_SOURCE", "IP:192.0.2.25"), ("HAS_USER", "User:ops-7\\anika"), D]),
]  # fmt: skip


# Tunnel Activity associates its source endpoint with its user.
ASSOCIATIONS: dict[str, list[Row]] = {"openvpn": [("IP:203.0.113.61", f"{U}desk-5")]}
ASSOCIATED = """
MATCH (a:Entity)-[:ASSOCIATED_WITH]->(b:Entity) RETURN a.key AS a, b.key AS b ORDER BY a, b
"""


def edges(graph: Graph, event_id: str) -> list[Row]:
    return [(r["rel"], r["key"]) for r in graph.query(EDGES, id=event_id)]


def classes(graph: Graph) -> dict[str, int]:
    rows = graph.query("MATCH (e:Event) RETURN e.id AS id, e.class_uid AS c")
    return {row["id"]: row["c"] for row in rows}


@pytest.mark.parametrize(
    ("event_id", "line", "class_uid", "expected"), LINES, ids=[c[0] for c in LINES]
)
def test_each_line_stores_exactly_its_graph(
    direct_client: TestClient,
    graph: Graph,
    event_id: str,
    line: str,
    class_uid: int,
    expected: list[Row],
) -> None:
    response = direct_client.post(
        "/events", json={"id": event_id, "source_format": "syslog", "event": line}
    )
    assert response.status_code == 201, response.text
    assert edges(graph, event_id) == expected
    assert classes(graph) == {event_id: class_uid}
    associated = ASSOCIATIONS.get(event_id, [])
    assert [(r["a"], r["b"]) for r in graph.query(ASSOCIATED)] == associated
    # Nothing else: the event, its distinct entities, its links and associations.
    nodes = 1 + len({key for _, key in expected})
    assert graph.counts() == (nodes, len(expected) + len(associated))


def test_one_account_across_the_tools_is_one_node(direct_client: TestClient, graph: Graph) -> None:
    """useradd, gpasswd, passwd, PAM and sshd name anika of ops-7: one User."""
    batch = [{"id": i, "source_format": "syslog", "event": line} for i, line, _, _ in LINES]
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code in (200, 201, 207), response.text
    assert classes(graph) == {i: c for i, _, c, _ in LINES}
    count = graph.value("MATCH (u:User {key: $key}) RETURN u.event_count AS c", key=f"{U}anika")
    assert count == 6  # useradd, gpasswd, chauthtok, old-pam, three-accounts, too-many
    assert graph.value("MATCH (g:Group) RETURN count(g) AS c") == 1


def test_through_kafka_the_writer_maps_the_same_graph(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    writer = start_writer(services, topic, f"senders-{topic}", tmp_path)
    writers.append(writer)
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    batch = [{"id": i, "source_format": "syslog", "event": line} for i, line, _, _ in LINES]
    with TestClient(create_app(settings)) as client:
        response = client.post("/events/batch", json=batch)
    assert response.status_code in (200, 202, 207), response.text
    writer.wait_ready()
    wait_for(lambda: len(classes(graph)) == len(LINES), 60, "every line in Neo4j")
    assert classes(graph) == {i: c for i, _, c, _ in LINES}
    for event_id, _, _, expected in LINES:
        assert edges(graph, event_id) == expected, event_id
