"""Kafka mode with graph_writer mapping: what the API places, the writer maps and stores
(its dropped fields included), a record it cannot map is dead-lettered and counted, the
preview stores and sends nothing, and replaying the topic with a new consumer group into
an empty database rebuilds the graph of the mapping in force. Real Kafka and Neo4j."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from ingest_api.app import create_app
from shared.kafka_io.codec import EventRecord
from shared.mapping.envelope import Envelope, resolve_event_id
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.kafka_helpers import committed_total, create_topic, produce, read_all
from tests.integration.processes import ServiceProcess, start_writer, wait_for
from tests.integration.test_metrics import metric, scrape
from tests.integration.test_vendor_graphs import envelope, snapshot
from tests.vendor_samples import SAMPLES

BAD_IP = {
    "class_uid": 4001,
    "time": 1710410400000,
    "src_endpoint": {"ip": "not-an-address"},
    "dst_endpoint": {"ip": "10.9.9.9"},
}


def event_count(graph: Graph) -> int:
    count: int = graph.value("MATCH (e:Event) RETURN count(e) AS c")
    return count


def test_through_kafka_the_answer_has_no_dropped_list_and_the_event_node_has_it(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    writer = start_writer(services, topic, f"map-{topic}", tmp_path)
    writers.append(writer)
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    with TestClient(create_app(settings)) as client:
        response = client.post("/events", json={"id": "k-bad-ip", "event": BAD_IP})
    assert response.status_code == 202, response.text
    assert response.json()["dropped"] is None

    # The record is the envelope: no graph, version 2.
    (record,) = asyncio.run(read_all(services.kafka_bootstrap, topic, expected=1))
    assert dict(record.headers)["schema-version"] == b"2"
    assert b'"graph"' not in record.value

    writer.wait_ready()
    wait_for(lambda: event_count(graph) == 1, 60, "the event in Neo4j")
    dropped = graph.value("MATCH (e:Event {id: 'k-bad-ip'}) RETURN e.dropped AS d")
    assert dropped == ["src_endpoint.ip: is not a valid IP address"]
    links = graph.query("MATCH (:Event)-[r]->(n:Entity) RETURN type(r) AS rel, n.key AS key")
    assert links == [{"rel": "HAS_DESTINATION", "key": "IP:10.9.9.9"}]
    text = scrape(writer.url("/metrics"))
    assert metric(text, "graph_writer_dropped_fields_total", field="src_endpoint") == 1
    assert metric(text, "graph_writer_event_freshness_seconds_count") == 1
    # Committed within the minute it was received, however slow the machine.
    assert metric(text, "graph_writer_event_freshness_seconds_bucket", le="60.0") == 1


def test_the_direct_path_still_answers_the_dropped_list_and_stores_it(
    direct_client: TestClient, graph: Graph
) -> None:
    response = direct_client.post("/events", json={"id": "d-bad-ip", "event": BAD_IP})
    assert response.status_code == 201, response.text
    assert response.json()["dropped"] == [
        {"path": "src_endpoint.ip", "reason": "is not a valid IP address"}
    ]
    dropped = graph.value("MATCH (e:Event {id: 'd-bad-ip'}) RETURN e.dropped AS d")
    assert dropped == ["src_endpoint.ip: is not a valid IP address"]
    clean = direct_client.post("/events", json={"id": "d-clean", "event": {"class_uid": 1}})
    assert clean.json()["dropped"] == []
    assert graph.value("MATCH (e:Event {id: 'd-clean'}) RETURN e.dropped AS d") is None


def test_a_record_the_writer_cannot_map_is_dead_lettered_and_counted(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    records = [
        EventRecord("before", "ocsf", {"class_uid": 1}, now),
        # Decodable, but no class: the API would have refused it; another producer did not.
        EventRecord("no-class", "ocsf", {"message": "x"}, now),
        EventRecord("bad-line", "cef", "CEF:0|V|P|1|s|n|5|src=999.1.1.1", now),
        EventRecord("after", "ocsf", {"class_uid": 2}, now),
    ]
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=1))
    asyncio.run(produce(services.kafka_bootstrap, topic, records))
    group = f"unmappable-{topic}"
    writer = start_writer(services, topic, group, tmp_path)
    writers.append(writer)

    wait_for(lambda: event_count(graph) == 2, 60, "the two good records")
    assert sorted(graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids")) == [
        "after",
        "before",
    ]
    dead = asyncio.run(read_all(services.kafka_bootstrap, f"{topic}-dlq", expected=2))
    reasons = {r.key: dict(r.headers)["dlq-error"] for r in dead}
    assert set(reasons) == {b"no-class", b"bad-line"}
    assert b"event.class_uid: field required" in reasons[b"no-class"]
    assert b"999.1.1.1" in reasons[b"bad-line"]
    wait_for(
        lambda: asyncio.run(committed_total(services.kafka_bootstrap, topic, group)) == 4,
        30,
        "offsets committed past the dead letters",
    )
    text = scrape(writer.url("/metrics"))
    assert metric(text, "graph_writer_records_unmappable_total") == 2
    assert metric(text, "graph_writer_dead_letters_total") == 2


def test_preview_answers_the_graph_and_stores_and_sends_nothing(
    services: Services, graph: Graph, topic: str
) -> None:
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=1))
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    with TestClient(create_app(settings)) as client:
        response = client.post("/events/preview", json={"id": "p-1", "event": BAD_IP})
        refused = client.post("/events/preview", json={"event": {"message": "no class"}})
        not_json = client.post(
            "/events/preview", content=b"x", headers={"content-type": "text/plain"}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "p-1"
    assert body["dropped"] == [{"path": "src_endpoint.ip", "reason": "is not a valid IP address"}]
    assert body["properties"]["class_uid"] == 4001
    assert body["properties"]["time"] == "2024-03-14T10:00:00+00:00"
    assert body["properties"]["dropped"] == ["src_endpoint.ip: is not a valid IP address"]
    assert body["entities"] == [
        {
            "relationship": "HAS_DESTINATION",
            "key": "IP:10.9.9.9",
            "type": "IP",
            "labels": ["Entity", "IP"],
            "properties": {"address": "10.9.9.9"},
        }
    ]
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"loc": ["event", "class_uid"], "msg": "field required"}]
    assert not_json.status_code == 415
    assert graph.counts() == (0, 0)
    assert asyncio.run(read_all(services.kafka_bootstrap, topic, expected=1, timeout_ms=2000)) == []


def test_replay_with_a_new_group_into_an_empty_database_rebuilds_the_graph_in_force(
    services: Services, graph: Graph, topic: str, writers: list[ServiceProcess], tmp_path: Path
) -> None:
    envelopes = [envelope(sample) for sample in SAMPLES]
    ids = [resolve_event_id(Envelope.model_validate(e), None).value for e in envelopes]
    now = datetime.now(UTC)
    records = [EventRecord(i, "ocsf", e["event"], now) for i, e in zip(ids, envelopes, strict=True)]
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=3))
    asyncio.run(produce(services.kafka_bootstrap, topic, records))
    live_group = f"live-{topic}"
    live = start_writer(services, topic, live_group, tmp_path)
    writers.append(live)
    wait_for(lambda: event_count(graph) == len(SAMPLES), 120, "the live graph")
    live.close()
    # The graph as an older mapping left it: other properties, relationships missing.
    graph.query("MATCH (e:Event) SET e.old_mapping = true")
    graph.query("MATCH (:Event)-[r:HAS_USER]->() DELETE r")

    # The procedure of docs/operations.md: an empty database, a new group from the start.
    graph.wipe()
    rebuild_group = f"rebuild-{uuid.uuid4().hex[:8]}"
    writers.append(start_writer(services, topic, rebuild_group, tmp_path))
    wait_for(lambda: event_count(graph) == len(SAMPLES), 120, "the rebuilt graph")
    wait_for(
        lambda: (
            asyncio.run(committed_total(services.kafka_bootstrap, topic, rebuild_group))
            == len(SAMPLES)
        ),
        30,
        "the rebuild committed",
    )
    rebuilt = snapshot(graph)
    rebuilt_props = event_props(graph)
    assert graph.value("MATCH (e:Event) WHERE e.old_mapping RETURN count(e) AS c") == 0
    assert asyncio.run(committed_total(services.kafka_bootstrap, topic, live_group)) == len(SAMPLES)

    # The mapping in force, applied by the direct path to the same events.
    graph.wipe()
    with TestClient(create_app(api_settings(services))) as client:
        for body in envelopes:
            assert client.post("/events", json=body).status_code == 201
    expected = snapshot(graph)
    assert expected["links"]
    assert any(row["rel"] == "HAS_USER" for row in expected["links"])
    for part in expected:
        assert rebuilt[part] == expected[part], part
    assert rebuilt_props == event_props(graph)


def event_props(graph: Graph) -> list[Any]:
    """Every Event property but the receipt time, which each path sets itself."""
    rows = graph.query(
        "MATCH (e:Event) RETURN e.id AS id, "
        "[k IN keys(e) WHERE k <> 'received_at' | [k, toString(e[k])]] AS props ORDER BY id"
    )
    return [(row["id"], sorted(row["props"])) for row in rows]
