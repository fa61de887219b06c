"""In the real Neo4j (direct mode): CEF custom fields placed by their labels, with no
entity for a label that names none; OSINT indicators, a bad one reported; a File holding
every hash its events listed, in either order, found by any, and an over-long or
malformed hash dropped instead of failing the write."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings

EDGES = """
MATCH (e:Event {id: $id})-[r]->(n:Entity)
RETURN type(r) AS rel, n.key AS key ORDER BY rel, key
"""
MD5 = "098f6bcd4621d373cade4e832627b4f6"
SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SSDEEP = "3:hMCEpn:hurs"


def edges(graph: Graph, event_id: str) -> list[tuple[str, str]]:
    return [(r["rel"], r["key"]) for r in graph.query(EDGES, id=event_id)]


def post(client: TestClient, event_id: str, fmt: str, event: Any) -> dict[str, Any]:
    response = client.post("/events", json={"id": event_id, "source_format": fmt, "event": event})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_preview_answers_the_same_drop(direct_client: TestClient, graph: Graph) -> None:
    response = direct_client.post(
        "/events/preview", json={"source_format": "cef", "event": "CEF:0|Acme|Edge|2.1|x|n||"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["dropped"] == [{"path": "Severity", "reason": "CEF Severity is empty"}]
    assert graph.counts() == (0, 0)


def test_labelled_custom_fields_go_where_their_labels_say(
    direct_client: TestClient, graph: Graph
) -> None:
    line = (
        "<134>Jun  2 08:00:00 fw-east CEF:0 |Acme|Edge|2.1|conn|Allowed|3|"
        "dst=203.0.113.80 sourceTranslatedAddress=198.51.100.1 "
        "c6a2Label=Source IPv6 Address c6a2=2001:db8::8 "
        "cs1Label=Target User Name cs1=CORP\\\\mlopez cs2Label=Client Host cs2=pc-0142 "
        "cs3Label=Remote Address cs3=nowhere cs4Label=User Agent cs4=Mozilla/5.0 "
        "cs5Label=Logon Type cs5=Interactive cs6Label=Account Domain cs6=CORP"
    )
    body = post(direct_client, "cef-labels", "cef", line)
    assert body["dropped"] == [
        {"path": "cs3", "reason": "CEF extension cs3: 'nowhere' is not a valid IP address"}
    ]
    assert edges(graph, "cef-labels") == [
        ("HAS_DESTINATION", "IP:203.0.113.80"),
        ("HAS_OBSERVABLE", "IP:198.51.100.1"),
        ("HAS_SOURCE", "Host:pc-0142"),
        ("HAS_SOURCE", "IP:2001:db8::8"),
        ("HAS_USER", "User:corp\\mlopez"),
        ("ON_DEVICE", "Host:fw-east"),
    ]
    # No User node for the agent string, the logon type or the domain.
    assert graph.value("MATCH (u:User) RETURN count(u) AS c") == 1


def test_osint_indicators_are_entities_of_the_event(
    direct_client: TestClient, graph: Graph
) -> None:
    inventory = {
        "class_uid": 5021,
        "activity_id": 2,
        "time": 1756708200000,
        "metadata": {"version": "1.7.0", "product": {"name": "Feedline", "vendor_name": "Orbit"}},
        "osint": [
            {"type_id": 1, "value": "203.0.113.77"},
            {"type_id": 2, "value": "Drop.Example.NET"},
            {"type_id": 4, "value": SHA256.upper()},
            {"type_id": 5, "value": "https://cdn.drop.example.net/a.js"},
            {"type_id": 9, "value": "billing@drop.example.net"},
            {"type_id": 10, "value": "CVE-2024-3094"},
            {"type_id": 1, "value": "203.0.113.0/24"},
        ],
    }
    body = post(direct_client, "osint-1", "ocsf", inventory)
    assert body["dropped"] == [{"path": "osint[6].value", "reason": "is not an IP address"}]
    assert edges(graph, "osint-1") == [
        ("HAS_OSINT", "Domain:cdn.drop.example.net"),
        ("HAS_OSINT", "Domain:drop.example.net"),
        ("HAS_OSINT", "Email:billing@drop.example.net"),
        ("HAS_OSINT", f"File:sha256:{SHA256}"),
        ("HAS_OSINT", "IP:203.0.113.77"),
        ("HAS_OSINT", "Url:https://cdn.drop.example.net/a.js"),
    ]
    # The indicator's file and a later detection of it are one node.
    assert graph.value(f"MATCH (f:File {{key: 'File:sha256:{SHA256}'}}) RETURN f.hashes AS h") == [
        SHA256
    ]


def _file_event(event_id: str, time: int, hashes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "class_uid": 1001,
        "activity_id": 1,
        "time": time,
        "metadata": {"uid": event_id, "product": {"name": "Warden", "vendor_name": "Acme"}},
        "device": {"hostname": "lab-04"},
        "file": {"name": "loader.dll", "hashes": hashes},
    }


FIRST: list[dict[str, Any]] = [
    {"algorithm_id": 1, "value": MD5},
    {"algorithm_id": 3, "value": SHA256},
]
SECOND: list[dict[str, Any]] = [
    {"algorithm": "SHA-256", "value": SHA256},
    {"algorithm": "SHA-1", "value": SHA1},
    {"algorithm_id": 5, "value": SSDEEP},
]
HASH_PROPS = """
MATCH (f:File) RETURN f.key AS key, f.md5 AS md5, f.sha1 AS sha1, f.sha256 AS sha256,
                      f.ssdeep AS ssdeep, f.hashes AS hashes
"""


def test_a_file_keeps_every_hash_of_every_event_whatever_the_order(
    services: Services, graph: Graph
) -> None:
    expected = [
        {
            "key": f"File:sha256:{SHA256}",
            "md5": MD5,
            "sha1": SHA1,
            "sha256": SHA256,
            "ssdeep": SSDEEP,
            "hashes": [MD5, SHA1, SHA256, SSDEEP],
        }
    ]
    for order in ((FIRST, SECOND), (SECOND, FIRST)):
        graph.wipe()
        with TestClient(create_app(api_settings(services))) as client:
            for index, hashes in enumerate(order):
                post(
                    client,
                    f"file-{index}",
                    "ocsf",
                    _file_event(f"u{index}", 1744383600000 + index, hashes),
                )
        assert graph.query(HASH_PROPS) == expected
    # Any of them finds the file: by its own property (indexed) or in the list.
    for value in (MD5, SHA1, SSDEEP):
        found = graph.query("MATCH (f:File) WHERE $h IN f.hashes RETURN f.key AS key", h=value)
        assert found == [{"key": f"File:sha256:{SHA256}"}]
    assert graph.value("MATCH (f:File {md5: $h}) RETURN f.key AS key", h=MD5) == expected[0]["key"]
    plan = graph.driver.execute_query(
        "EXPLAIN MATCH (f:File {md5: $h}) RETURN f", {"h": MD5}, database_="neo4j"
    ).summary.plan
    assert "NodeIndexSeek" in str(plan)


def test_a_hash_that_is_not_one_is_dropped_and_the_event_stored(
    direct_client: TestClient, graph: Graph
) -> None:
    # Far past what an index entry holds (about 8 kB): as an md5 property it would make
    # Neo4j refuse the whole write.
    event = _file_event(
        "u-long",
        1744383600000,
        [{"algorithm_id": 3, "value": SHA256}, {"algorithm_id": 1, "value": "a" * 20_000}],
    )
    body = post(direct_client, "file-long", "ocsf", event)
    assert body["dropped"] == [{"path": "file.hashes[1].value", "reason": "is not a md5 hash"}]
    assert graph.query("MATCH (f:File) RETURN f.md5 AS md5, f.hashes AS hashes") == [
        {"md5": None, "hashes": [SHA256]}
    ]
