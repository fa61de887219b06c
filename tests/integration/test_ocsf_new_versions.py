"""OCSF 1.8 and 1.9 events through the real API into the real Neo4j: each new class's
entities and the schema it was mapped with, a packet_list that adds nothing, and an
event of a newer version answered with the schema used and why (direct and Kafka)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.processes import ServiceProcess, start_writer, wait_for
from tests.ocsf_new_classes import NEW_CLASSES, USER_MANAGEMENT, flow_with_packets


def _links(graph: Graph, event_id: str) -> set[tuple[str, str]]:
    rows = graph.query(
        "MATCH (:Event {id: $id})-[r]->(n:Entity) RETURN type(r) AS rel, n.key AS key",
        id=event_id,
    )
    return {(row["rel"], row["key"]) for row in rows}


def _newer(event_id: str) -> dict[str, Any]:
    metadata = {**USER_MANAGEMENT["metadata"], "version": "1.10.0", "uid": event_id}
    return {**USER_MANAGEMENT, "metadata": metadata}


def test_each_new_class_is_stored_with_its_entities_and_schema(
    direct_client: TestClient, graph: Graph
) -> None:
    batch = [{"id": f"new-{e['class_uid']}", "event": e} for e in NEW_CLASSES]
    batch.append({"id": "flow-packets", "event": flow_with_packets(3_000)})
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 201, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 5
    assert [r["ocsf_schema"]["used"] for r in results] == ["1.9.0-dev"] * 4 + ["1.8.0"]
    # Declared 1.9.0, mapped with the snapshot: the answer says so; 1.9.0-dev declared: no note.
    assert "pre-release snapshot" in results[0]["ocsf_schema"]["note"]
    assert results[2]["ocsf_schema"]["note"] is None
    assert results[4]["dropped"] == []

    stored = graph.query(
        "MATCH (e:Event) RETURN e.id AS id, e.class_uid AS c, e.ocsf_version AS v ORDER BY id"
    )
    assert stored == [
        {"id": "flow-packets", "c": 4001, "v": "1.8.0"},
        {"id": "new-1011", "c": 1011, "v": "1.9.0-dev"},
        {"id": "new-1012", "c": 1012, "v": "1.9.0-dev"},
        {"id": "new-3007", "c": 3007, "v": "1.9.0-dev"},
        {"id": "new-3008", "c": 3008, "v": "1.9.0-dev"},
    ]
    assert _links(graph, "new-3007") == {
        ("HAS_PRINCIPAL", "User:S-1-5-21-1111-2222-3333-1107"),
        ("HAS_USER", "User:S-1-5-21-1111-2222-3333-2051"),
        ("HAS_UPDATED_USER", "User:S-1-5-21-1111-2222-3333-2051"),
        ("HAS_SOURCE", "IP:10.20.4.17"),
        ("HAS_SOURCE", "Host:admin-ws-3"),
    }
    role = "Role:arn:aws:iam::123456789012:role/BillingReader"
    assert {
        ("HAS_RESOURCE", "Resource:arn:aws:s3:::billing-exports"),
        ("HAS_IAM_ROLE", role),
        ("HAS_UPDATED_ROLE", role),
    } <= _links(graph, "new-3008")
    assert graph.value("MATCH (r:Entity:Role {key: $key}) RETURN r.name", key=role) == (
        "BillingReader"
    )
    # What an analyst reads back: the role as an entity of the event, by both links.
    read_back = direct_client.get("/events/new-3008")
    assert read_back.status_code == 200, read_back.text
    roles = {
        (e["relationship"], e["type"], e["properties"].get("name"))
        for e in read_back.json()["entities"]
        if e["key"] == role
    }
    assert roles == {
        ("HAS_IAM_ROLE", "Role", "BillingReader"),
        ("HAS_UPDATED_ROLE", "Role", "BillingReader"),
    }
    assert ("HAS_SOURCE_PROCESS", "Process@Host:finance-pc-12/4312/excel.exe") in _links(
        graph, "new-1012"
    )
    assert ("ON_DEVICE", "Host:5f1c2a9e-lab7") in _links(graph, "new-1011")
    # 3,000 packets, no entity of their own: the flow links its two addresses only.
    assert _links(graph, "flow-packets") == {
        ("HAS_SOURCE", "IP:10.50.0.2"),
        ("HAS_DESTINATION", "IP:10.50.0.9"),
    }
    assert graph.value("MATCH (n:Entity) WHERE n.uid_numeric IS NOT NULL RETURN count(n)") == 0


def test_a_newer_version_is_mapped_with_the_newest_and_the_answer_says_so(
    direct_client: TestClient, graph: Graph
) -> None:
    preview = direct_client.post("/events/preview", json={"event": _newer("p-1")})
    assert preview.status_code == 200, preview.text
    assert preview.json()["ocsf_schema"]["used"] == "1.9.0-dev"
    assert "newer than every schema" in preview.json()["ocsf_schema"]["note"]

    response = direct_client.post("/events", json={"id": "newer-1", "event": _newer("n-1")})
    assert response.status_code == 201, response.text
    answer = response.json()["ocsf_schema"]
    assert answer["declared"] == "1.10.0"
    assert answer["used"] == "1.9.0-dev"
    assert "newer than every schema" in answer["note"]
    assert graph.value("MATCH (e:Event {id: 'newer-1'}) RETURN e.ocsf_version") == "1.9.0-dev"
    assert ("HAS_USER", "User:S-1-5-21-1111-2222-3333-2051") in _links(graph, "newer-1")


def test_through_kafka_the_answer_names_the_schema_graph_writer_maps_with(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    writer = start_writer(services, topic, f"ocsf-{topic}", tmp_path)
    writers.append(writer)
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    with TestClient(create_app(settings)) as client:
        response = client.post("/events", json={"id": "k-newer", "event": _newer("k-1")})
    assert response.status_code == 202, response.text
    assert response.json()["ocsf_schema"]["used"] == "1.9.0-dev"
    assert "newer than every schema" in response.json()["ocsf_schema"]["note"]
    writer.wait_ready()
    wait_for(lambda: bool(graph.query("MATCH (e:Event {id: 'k-newer'}) RETURN e")), 60, "the event")
    assert graph.value("MATCH (e:Event {id: 'k-newer'}) RETURN e.ocsf_version") == "1.9.0-dev"
