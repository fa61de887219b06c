"""A re-sent event is answered `"duplicate": true`; a different one never collapses."""

from __future__ import annotations

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.kafka_helpers import read_all
from tests.samples import ocsf_authentication


def _envelope(event_id: str, ip: str = "10.0.0.1") -> dict[str, Any]:
    return {"id": event_id, "event": {"class_uid": 1001, "src": {"type": "IP", "ip": ip}}}


def _answer(client: TestClient, envelope: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = client.post("/events", json=envelope, **kw)
    assert response.status_code in (201, 202), response.text
    body: dict[str, Any] = response.json()
    return body


def test_direct_resend_is_a_duplicate_and_a_different_event_is_not(
    direct_client: TestClient, graph: Graph
) -> None:
    first = _answer(direct_client, _envelope("dup-1"))
    assert (first["duplicate"], first["dropped"]) == (False, [])
    assert _answer(direct_client, _envelope("dup-1"))["duplicate"] is True
    assert _answer(direct_client, _envelope("dup-2", "10.0.0.2"))["duplicate"] is False
    # An id from the event's content, and one from an Idempotency-Key, count the same way.
    content = {"event": ocsf_authentication("auth-dup")}
    assert [_answer(direct_client, content)["duplicate"] for _ in range(2)] == [False, True]
    keyed = {"event": {"class_uid": 1001}}
    headers = {"Idempotency-Key": "dup-key"}
    answers = [_answer(direct_client, keyed, headers=headers)["duplicate"] for _ in range(2)]
    assert answers == [False, True]
    # Without any of them every post is a new event.
    assert [_answer(direct_client, keyed)["duplicate"] for _ in range(2)] == [False, False]
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 6


def test_direct_batch_answers_per_item(direct_client: TestClient, graph: Graph) -> None:
    assert _answer(direct_client, _envelope("b-old"))["duplicate"] is False
    batch = [_envelope("b-old"), _envelope("b-new"), _envelope("b-new"), {"event": 1}]
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 201, response.text
    results = response.json()["results"]
    assert [(r["status"], r.get("duplicate")) for r in results] == [
        ("accepted", True),
        ("accepted", False),
        ("accepted", True),
        ("rejected", None),
    ]
    assert all(r["dropped"] == [] for r in results[:3])


@pytest.fixture
def kafka_client(services: Services, graph: Graph, topic: str) -> TestClient:
    return TestClient(create_app(api_settings(services, use_kafka=True, kafka_topic_input=topic)))


def test_kafka_mode_reports_an_event_already_in_the_graph(
    kafka_client: TestClient, graph: Graph
) -> None:
    with kafka_client as client:
        response = client.post("/events", json=_envelope("kafka-dup"))
        assert response.status_code == 202, response.text
        assert response.json()["duplicate"] is False
        # As graph_writer would have stored it.
        graph.query("CREATE (:Event {id: 'kafka-dup'})")
        assert _answer(client, _envelope("kafka-dup"))["duplicate"] is True
        assert _answer(client, _envelope("kafka-other"))["duplicate"] is False
        batch = client.post("/events/batch", json=[_envelope("kafka-dup"), _envelope("k-2")])
        assert batch.status_code == 202
        assert [r["duplicate"] for r in batch.json()["results"]] == [True, False]


def test_kafka_mode_without_neo4j_answers_duplicate_unknown(
    services: Services, topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = api_settings(
        services,
        use_kafka=True,
        kafka_topic_input=topic,
        neo4j_uri="bolt://127.0.0.1:9",
        neo4j_connect_timeout_s=1.0,
    )
    with TestClient(create_app(settings)) as client:
        body = _answer(client, _envelope("no-graph"))
        assert body["duplicate"] is None
        # A fresh id needs no lookup: it cannot have been stored before.
        assert _answer(client, {"event": {"class_uid": 1001}})["duplicate"] is False
    assert "cannot tell re-sent events" in caplog.text


def test_kafka_mode_waits_on_a_silent_neo4j_only_as_long_as_configured(
    services: Services, topic: str
) -> None:
    # A Neo4j that takes the connection and never answers: only the lookup's own
    # timeout ends the wait, not the driver's connect timeout.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        settings = api_settings(
            services,
            use_kafka=True,
            kafka_topic_input=topic,
            neo4j_uri=f"bolt://127.0.0.1:{silent.getsockname()[1]}",
            neo4j_connect_timeout_s=4.0,
            duplicate_lookup_timeout_s=0.5,
        )
        starting = time.monotonic()
        with TestClient(create_app(settings)) as client:
            # Start-up gives the schema NEO4J_CONNECT_TIMEOUT_S, not the driver's 60 s
            # acquisition deadline: the handshake read is not bound by its connect timeout.
            started_in = time.monotonic() - starting
            begun = time.monotonic()
            body = _answer(client, _envelope("silent-graph"))
            took = time.monotonic() - begun
    assert 3.5 < started_in < 15, started_in
    assert body["duplicate"] is None
    assert 0.4 < took < 3, took
    # Taken all the same: the record is in Kafka.
    records = asyncio.run(read_all(services.kafka_bootstrap, topic, 1, timeout_ms=3000))
    assert len(records) == 1


def test_kafka_mode_concurrent_posts_each_get_their_own_answer(
    kafka_client: TestClient, graph: Graph
) -> None:
    # Concurrent lookups share Neo4j queries (ingest_api/stored_ids.py); each answer
    # must still speak of its own event only.
    stored = [f"conc-{i}" for i in range(0, 40, 4)]
    graph.query("UNWIND $ids AS id CREATE (:Event {id: id})", ids=stored)
    with kafka_client as client, ThreadPoolExecutor(max_workers=16) as pool:
        ids = [f"conc-{i}" for i in range(40)]
        answers = list(pool.map(lambda i: _answer(client, _envelope(i)), ids))
    assert [(a["id"], a["duplicate"]) for a in answers] == [(i, i in stored) for i in ids]
