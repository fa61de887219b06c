"""CEF lines real senders write outside the spec, through the real API into real Neo4j:
a space after `CEF:` is read, and a Severity outside the spec loses the field, not the
line, reported in `dropped` (the direct answer) and on the Event node (both modes)."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.processes import ServiceProcess, start_writer, wait_for

SPACED = "CEF: 0|Acme|Gate|2.1|77|Blocked|3|src=203.0.113.5 dst=198.51.100.7"
SUBSTANTIAL = "CEF:0|Acme|Gate|2.1|78|Blocked|Substantial|src=203.0.113.6 dst=198.51.100.7"


def linked_keys(graph: Graph, event_id: str) -> set[str]:
    rows = graph.query("MATCH (:Event {id: $id})-->(n:Entity) RETURN n.key AS key", id=event_id)
    return {row["key"] for row in rows}


def test_direct_a_spaced_header_and_a_bad_severity_are_stored_with_the_drop_reported(
    direct_client: TestClient, graph: Graph
) -> None:
    spaced = direct_client.post(
        "/events", json={"id": "cef-spaced", "source_format": "cef", "event": SPACED}
    )
    assert spaced.status_code == 201, spaced.text
    assert spaced.json()["dropped"] == []
    bad = direct_client.post(
        "/events", json={"id": "cef-sev", "source_format": "cef", "event": SUBSTANTIAL}
    )
    assert bad.status_code == 201, bad.text
    assert bad.json()["dropped"] == [
        {
            "path": "Severity",
            "reason": "CEF Severity 'Substantial' is not 0-10 or "
            "Unknown/Low/Medium/High/Very-High/Critical",
        }
    ]
    row = graph.query("MATCH (e:Event {id: 'cef-sev'}) RETURN e.dropped AS d, e.severity_id AS s")
    assert row == [
        {
            "d": [
                "Severity: CEF Severity 'Substantial' is not 0-10 or "
                "Unknown/Low/Medium/High/Very-High/Critical"
            ],
            "s": None,
        }
    ]
    assert graph.value("MATCH (e:Event {id: 'cef-spaced'}) RETURN e.severity_id AS s") == 2
    assert linked_keys(graph, "cef-spaced") == {"IP:203.0.113.5", "IP:198.51.100.7"}
    assert linked_keys(graph, "cef-sev") == {"IP:203.0.113.6", "IP:198.51.100.7"}


def test_through_kafka_the_writer_stores_the_line_and_its_dropped_severity(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    writer = start_writer(services, topic, f"cef-{topic}", tmp_path)
    writers.append(writer)
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    with TestClient(create_app(settings)) as client:
        for event_id, line in (("k-cef-spaced", SPACED), ("k-cef-sev", SUBSTANTIAL)):
            response = client.post(
                "/events", json={"id": event_id, "source_format": "cef", "event": line}
            )
            assert response.status_code == 202, response.text
    writer.wait_ready()
    wait_for(
        lambda: graph.value("MATCH (e:Event) RETURN count(e) AS c") == 2, 60, "both lines stored"
    )
    dropped = graph.value("MATCH (e:Event {id: 'k-cef-sev'}) RETURN e.dropped AS d")
    assert dropped == [
        "Severity: CEF Severity 'Substantial' is not 0-10 or "
        "Unknown/Low/Medium/High/Very-High/Critical"
    ]
    assert graph.value("MATCH (e:Event {id: 'k-cef-spaced'}) RETURN e.dropped AS d") is None
    assert linked_keys(graph, "k-cef-sev") == {"IP:203.0.113.6", "IP:198.51.100.7"}


NAT = (
    "CEF:0|Acme|Gate|2.1|79|Allowed|3|src=10.1.2.3 dst=198.51.100.8 "
    "sourceTranslatedAddress=203.0.113.50 c6a2=2001:db8::5 c6a2Label=Source IPv6 Address "
    "cs1Label=Target User cs1=kmoss cs2Label=Workstation cs2=PC-0042 dvchost=fw2"
)


def test_nat_ipv6_and_labelled_custom_fields_become_entities_in_the_graph(
    direct_client: TestClient, graph: Graph
) -> None:
    response = direct_client.post(
        "/events", json={"id": "cef-nat", "source_format": "cef", "event": NAT}
    )
    assert response.status_code == 201, response.text
    rows = graph.query(
        "MATCH (:Event {id: 'cef-nat'})-[r]->(n:Entity) RETURN type(r) AS rel, n.key AS key"
    )
    assert {(row["rel"], row["key"]) for row in rows} == {
        ("HAS_SOURCE", "IP:10.1.2.3"),
        ("HAS_DESTINATION", "IP:198.51.100.8"),
        ("ON_DEVICE", "Host:fw2"),
        ("HAS_OBSERVABLE", "IP:203.0.113.50"),
        ("HAS_OBSERVABLE", "IP:2001:db8::5"),
        # "Target" names the side and the line has no duser: the account acted on.
        ("HAS_USER", "User@Host:fw2/kmoss"),
        ("HAS_OBSERVABLE", "Host:pc-0042"),
    }
