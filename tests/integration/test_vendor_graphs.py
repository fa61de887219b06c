"""Vendor-shaped events, posted one by one, give the graph an analyst expects, in the real
Neo4j, and the same graph whether they travel through Kafka or are written directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.processes import ServiceProcess, start_writer, wait_for
from tests.vendor_samples import SAMPLES, ZEEK_CONN, Sample

Snapshot = dict[str, Any]


def envelope(sample: Sample) -> dict[str, Any]:
    """Samples with a `metadata.uid` get their id from it; the others are named."""
    if isinstance(sample.event.get("metadata"), dict) and "uid" in sample.event["metadata"]:
        return {"event": sample.event}
    return {"id": sample.name.replace(" ", "-"), "event": sample.event}


def post_all(client: TestClient, expected_status: int) -> dict[str, str]:
    ids = {}
    for sample in SAMPLES:
        response = client.post("/events", json=envelope(sample))
        assert response.status_code == expected_status, (sample.name, response.text)
        ids[sample.name] = response.json()["id"]
    return ids


def snapshot(graph: Graph) -> Snapshot:
    events = graph.query(
        "MATCH (e:Event) RETURN e.id AS id, e.class_uid AS class_uid, e.time AS time ORDER BY id"
    )
    links = graph.query(
        "MATCH (e:Event)-[r]->(n:Entity) RETURN e.id AS id, type(r) AS rel, n.key AS key "
        "ORDER BY id, rel, key"
    )
    entities = graph.query(
        "MATCH (n:Entity) RETURN n.key AS key, labels(n) AS labels, n.event_count AS count, "
        "n.first_seen AS first, n.last_seen AS last, "
        "[k IN keys(n) WHERE NOT k STARTS WITH '_rank_' | [k, toString(n[k])]] AS props ORDER BY key"
    )
    pairs = graph.query(
        "MATCH (a:Entity)-[r:ASSOCIATED_WITH]->(b:Entity) RETURN a.key AS a, b.key AS b, "
        "r.event_count AS count, r.first_seen AS first, r.last_seen AS last ORDER BY a, b"
    )
    for entity in entities:
        entity["props"] = sorted(entity["props"])  # keys() has no set order
    return {"events": events, "links": links, "entities": entities, "pairs": pairs}


def assert_expected_graph(graph: Graph, ids: dict[str, str]) -> None:
    for sample in SAMPLES:
        rows = graph.query(
            "MATCH (:Event {id: $id})-[r]->(n:Entity) RETURN type(r) AS rel, n.key AS key",
            id=ids[sample.name],
        )
        assert {(row["rel"], row["key"]) for row in rows} == sample.links, sample.name
        for a, b in sample.associations:
            count = graph.value(
                "MATCH (:Entity {key: $a})-[r:ASSOCIATED_WITH]->(:Entity {key: $b}) "
                "RETURN r.event_count AS c",
                a=a,
                b=b,
            )
            assert count is not None, (sample.name, a, b)
            assert count >= 1


def test_vendor_events_give_the_expected_graph_directly_and_through_kafka(
    services: Services,
    graph: Graph,
    topic: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    with TestClient(create_app(api_settings(services))) as client:
        direct_ids = post_all(client, 201)
        assert_expected_graph(graph, direct_ids)
        direct = snapshot(graph)
        # Replayed, the graph does not move: counters, associations and all.
        post_all(client, 201)
        assert snapshot(graph) == direct

    # Zeek's conn, dns and http records share one uid: three events, none swallowed.
    zeek = {direct_ids[name] for name in ("zeek conn", "zeek dns", "zeek http")}
    assert len(zeek) == 3
    assert len(direct["events"]) == len(SAMPLES)

    graph.wipe()
    writers.append(start_writer(services, topic, f"vendor-{topic}", tmp_path))
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    with TestClient(create_app(settings)) as client:
        kafka_ids = post_all(client, 202)
    assert kafka_ids == direct_ids
    writers[0].wait_ready()
    wait_for(lambda: len(snapshot(graph)["events"]) >= len(SAMPLES), 120, "every sample in Neo4j")
    # Each batch lands with its entities and links in one transaction: once every event
    # is there, the graph is complete.
    through_kafka = snapshot(graph)
    for part in direct:
        for left, right in zip(through_kafka[part], direct[part], strict=True):
            assert left == right, part


def test_a_resent_event_is_one_event_and_a_changed_class_is_another(
    direct_client: TestClient, graph: Graph
) -> None:
    first = direct_client.post("/events", json={"event": ZEEK_CONN.event})
    again = direct_client.post("/events", json={"event": ZEEK_CONN.event})
    other = direct_client.post("/events", json={"event": {**ZEEK_CONN.event, "class_uid": "4004"}})
    assert first.status_code == again.status_code == other.status_code == 201
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 2
