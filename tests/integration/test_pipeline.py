"""Kafka mode end to end: API -> real Kafka -> graph_writer subprocesses -> real Neo4j."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.kafka_helpers import (
    committed_total,
    create_topic,
    produce,
    produce_raw,
    read_all,
    record_for,
)
from tests.integration.processes import (
    ServiceProcess,
    http_status,
    http_text,
    start_writer,
    wait_for,
)
from tests.integration.test_metrics import metric, scrape

IPS = [f"10.20.{i // 250}.{i % 250}" for i in range(40)]


def event_for(i: int) -> dict[str, Any]:
    return {
        "class_uid": 4001,
        "time": 1710410400000 + i,
        "src_endpoint": {"ip": IPS[i % len(IPS)]},
        "user": {"uid": f"user-{i % 7}"},
    }


def assert_exact_graph(graph: Graph, n: int) -> None:
    """n events, each linked to one IP and one user, every counter exact."""
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == n
    assert graph.value("MATCH (:Event)-[r]->(:Entity) RETURN count(r) AS c") == 2 * n
    assert graph.value("MATCH (ip:IP) RETURN sum(ip.event_count) AS c") == n
    assert graph.value("MATCH (u:User) RETURN sum(u.event_count) AS c") == n
    mismatched = graph.value(
        "MATCH (n:Entity) WHERE n.event_count <> COUNT { (n)<--(:Event) } RETURN count(n) AS c"
    )
    assert mismatched == 0


def event_count(graph: Graph) -> int:
    count: int = graph.value("MATCH (e:Event) RETURN count(e) AS c")
    return count


@pytest.fixture
def group() -> str:
    return f"test-group-{uuid.uuid4().hex[:8]}"


def test_thousand_events_posted_in_kafka_mode_land_once(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    writer = start_writer(services, topic, group, tmp_path)
    writers.append(writer)
    settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
    statuses = []
    with TestClient(create_app(settings)) as client:
        for i in range(1000):
            response = client.post("/events", json={"id": f"k-{i}", "event": event_for(i)})
            statuses.append(response.status_code)
        assert client.get("/health/kafka").json() == {
            "status": "healthy",
            "bootstrap_servers": services.kafka_bootstrap,
            "topic": topic,
        }
    assert statuses == [202] * 1000
    writer.wait_ready()
    wait_for(lambda: event_count(graph) >= 1000, 120, "1000 events in Neo4j")
    time.sleep(1)  # anything extra would show up now
    assert_exact_graph(graph, 1000)


def test_three_writers_split_partitions_and_survive_sigkill(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=6))
    for _ in range(3):
        writers.append(start_writer(services, topic, group, tmp_path, WRITER_BATCH_SIZE="100"))
    for writer in writers:
        writer.wait_ready()

    def partitions_of(writer: ServiceProcess) -> list[int]:
        owned: list[int] = json.loads(http_text(writer.url("/health/ready")))["partitions"]
        return owned

    wait_for(
        lambda: (
            sorted(p for w in writers for p in partitions_of(w)) == list(range(6))
            and all(partitions_of(w) for w in writers)
        ),
        60,
        "the group to spread 6 partitions over 3 writers",
    )
    records = [record_for(f"s-{i}", event_for(i)) for i in range(5000)]
    asyncio.run(produce(services.kafka_bootstrap, topic, records))
    wait_for(lambda: event_count(graph) >= 500, 120, "writing to begin")
    victim = writers[0]
    victim.signal(signal.SIGKILL)
    assert victim.wait_exit(10) == -signal.SIGKILL
    wait_for(lambda: event_count(graph) >= 5000, 180, "all 5000 events")
    time.sleep(2)
    assert_exact_graph(graph, 5000)


def test_sigterm_commits_its_last_batch_and_exits_zero(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=3))
    records = [record_for(f"t-{i}", event_for(i)) for i in range(3000)]
    asyncio.run(produce(services.kafka_bootstrap, topic, records))
    first = start_writer(services, topic, group, tmp_path, WRITER_BATCH_SIZE="200")
    writers.append(first)
    wait_for(lambda: event_count(graph) >= 400, 120, "writing to begin")
    first.signal(signal.SIGTERM)
    assert first.wait_exit(30) == 0, first.log()
    # Everything written is committed and nothing committed is unwritten.
    assert asyncio.run(committed_total(services.kafka_bootstrap, topic, group)) == event_count(
        graph
    )

    second = start_writer(services, topic, group, tmp_path)
    writers.append(second)
    wait_for(lambda: event_count(graph) >= 3000, 120, "the second writer to finish")
    time.sleep(1)
    assert_exact_graph(graph, 3000)


def test_a_trickle_of_records_is_written_in_few_batches_while_the_batch_lingers(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    # 20 records sent one by one, 25 ms apart: written as they came, that is about 20
    # transactions; with a linger longer than the trickle, held even with Neo4j idle,
    # one or two.
    writer = start_writer(
        services, topic, group, tmp_path,
        WRITER_BATCH_LINGER_MS="2000", WRITER_LINGER_WHEN_IDLE="true",
    )  # fmt: skip
    writers.append(writer)
    writer.wait_ready()

    async def trickle() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=services.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            for i in range(20):
                record = record_for(f"l-{i}", event_for(i))
                await producer.send_and_wait(topic, record.value(), key=record.key())
                await asyncio.sleep(0.025)
        finally:
            await producer.stop()

    asyncio.run(trickle())
    wait_for(lambda: event_count(graph) >= 20, 60, "20 events in Neo4j")
    time.sleep(1)
    assert_exact_graph(graph, 20)
    metrics = scrape(writer.url("/metrics"))
    batches = metric(metrics, "graph_writer_batch_size_count")
    assert 1 <= batches <= 3, metrics


def test_a_record_does_not_wait_out_the_linger_while_neo4j_is_idle(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    # The longest linger allowed, and the default rule: nothing else is being written, so
    # the one record goes at once instead of 5 s later.
    writer = start_writer(services, topic, group, tmp_path, WRITER_BATCH_LINGER_MS="5000")
    writers.append(writer)
    writer.wait_ready()
    sent = time.monotonic()
    asyncio.run(produce(services.kafka_bootstrap, topic, [record_for("alone", event_for(1))]))
    wait_for(lambda: event_count(graph) >= 1, 30, "the record in Neo4j")
    assert time.monotonic() - sent < 2.5
    assert_exact_graph(graph, 1)


def test_poison_record_goes_to_the_dlq_and_the_rest_is_written(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=1))
    asyncio.run(produce(services.kafka_bootstrap, topic, [record_for("before", event_for(1))]))
    asyncio.run(produce_raw(services.kafka_bootstrap, topic, b"poison", b"\x00not json"))
    # Passes the mapping, but Neo4j refuses to index a key this long: a permanent rejection
    # that only splitting the batch can isolate.
    too_long = {"class_uid": 1, "user": {"uid": "u" * 40_000}}
    asyncio.run(produce(services.kafka_bootstrap, topic, [record_for("rejected", too_long)]))
    asyncio.run(produce(services.kafka_bootstrap, topic, [record_for("after", event_for(2))]))
    writers.append(
        start_writer(
            services, topic, group, tmp_path, WRITER_BATCH_SIZE="10", WRITER_RECORD_ATTEMPTS="2"
        )
    )

    wait_for(lambda: event_count(graph) >= 2, 60, "the good records")
    ids = graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids")
    assert sorted(ids) == ["after", "before"]
    dead = asyncio.run(read_all(services.kafka_bootstrap, f"{topic}-dlq", expected=2))
    assert sorted(r.key for r in dead) == [b"poison", b"rejected"]
    for record in dead:
        headers = dict(record.headers)
        assert headers["dlq-source-topic"] == topic.encode()
        assert headers["dlq-error"]
    poison = next(r for r in dead if r.key == b"poison")
    assert poison.value == b"\x00not json"
    assert b"not JSON" in dict(poison.headers)["dlq-error"]
    wait_for(
        lambda: asyncio.run(committed_total(services.kafka_bootstrap, topic, group)) == 4,
        30,
        "offsets committed past the dead letters",
    )


def test_records_with_and_without_their_graph_land_alike_and_a_forged_one_is_dead(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    event = event_for(3)
    # v1: what the previous ingest_api wrote, carrying its graph; v2: what it writes now.
    forged = record_for("forged", event, mapped=True)
    assert forged.graph is not None
    forged.graph["entities"][0][2] = "Admin"  # a label outside the allowlist
    records = [record_for("v1", event, mapped=True), record_for("v2", event), forged]
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=1))
    asyncio.run(produce(services.kafka_bootstrap, topic, records))
    writers.append(start_writer(services, topic, group, tmp_path))

    wait_for(lambda: event_count(graph) >= 2, 60, "the two good records")
    links = graph.query(
        "MATCH (e:Event)-[r]->(n:Entity) RETURN e.id AS id, type(r) AS rel, n.key AS key"
    )
    by_event: dict[str, set[tuple[str, str]]] = {}
    for row in links:
        by_event.setdefault(row["id"], set()).add((row["rel"], row["key"]))
    assert sorted(by_event) == ["v1", "v2"]
    assert by_event["v1"] == by_event["v2"]
    assert len(by_event["v1"]) == 2
    assert graph.value("MATCH (n:Admin) RETURN count(n) AS c") == 0
    dead = asyncio.run(read_all(services.kafka_bootstrap, f"{topic}-dlq", expected=1))
    assert [r.key for r in dead] == [b"forged"]
    assert b"'Admin' is not allowed" in dict(dead[0].headers)["dlq-error"]


def test_neo4j_outage_stops_commits_and_the_writer_catches_up(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: list[ServiceProcess],
    tmp_path: Path,
) -> None:
    if not services.controllable:
        pytest.skip("needs the local Neo4j to stop and start")
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=2))
    writer = start_writer(services, topic, group, tmp_path, WRITER_BACKOFF_MAX_S="2")
    writers.append(writer)
    writer.wait_ready()
    asyncio.run(
        produce(
            services.kafka_bootstrap,
            topic,
            [record_for(f"o-{i}", event_for(i)) for i in range(300)],
        )
    )
    wait_for(lambda: event_count(graph) >= 300, 60, "the first 300 events")
    wait_for(
        lambda: asyncio.run(committed_total(services.kafka_bootstrap, topic, group)) == 300,
        30,
        "first commits",
    )

    services.control("neo4j", "stop")
    try:
        more = [record_for(f"o-{i}", event_for(i)) for i in range(300, 600)]
        asyncio.run(produce(services.kafka_bootstrap, topic, more))
        wait_for(
            lambda: http_status(writer.url("/health/ready")) == 503, 60, "readiness to turn false"
        )
        time.sleep(3)
        assert asyncio.run(committed_total(services.kafka_bootstrap, topic, group)) == 300
    finally:
        services.control("neo4j", "start")
    wait_for(lambda: event_count(graph) >= 600, 120, "the writer to catch up")
    wait_for(lambda: http_status(writer.url("/health/ready")) == 200, 60, "readiness to return")
    assert_exact_graph(graph, 600)
    assert writer.proc.poll() is None


def test_kafka_outage_falls_back_to_direct_writes_and_recovers(
    services: Services, graph: Graph, topic: str
) -> None:
    if not services.controllable:
        pytest.skip("needs the local Kafka to stop and start")
    settings = api_settings(
        services,
        use_kafka=True,
        kafka_topic_input=topic,
        kafka_send_timeout_s=2.0,
        breaker_probe_interval_s=1.0,
    )
    with TestClient(create_app(settings)) as client:
        assert (
            client.post("/events", json={"id": "before", "event": event_for(0)}).status_code == 202
        )
        services.control("kafka", "stop")
        try:
            timings = []
            for i in range(20):
                begun = time.monotonic()
                response = client.post("/events", json={"id": f"down-{i}", "event": event_for(i)})
                timings.append(time.monotonic() - begun)
                assert response.status_code == 201, response.text
            # Only the first request pays the Kafka deadline; the open breaker spares the rest.
            assert max(timings[1:]) < 1.0, timings
            assert client.get("/health/kafka").status_code == 503
            assert client.get("/health/ready").status_code == 200

            services.control("neo4j", "stop")
            try:
                both_down = client.post("/events", json={"id": "nowhere", "event": event_for(1)})
                assert both_down.status_code == 503
                assert both_down.headers["retry-after"].isdigit()
                assert client.get("/health/ready").status_code == 503
            finally:
                services.control("neo4j", "start")
        finally:
            services.control("kafka", "start")

        def back_to_kafka() -> bool:
            response = client.post("/events", json={"event": event_for(99)})
            assert response.status_code in (201, 202)
            return response.status_code == 202

        wait_for(back_to_kafka, 60, "the API to return to Kafka")
    ids = set(graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids"))
    assert {f"down-{i}" for i in range(20)} <= ids
    assert "nowhere" not in ids
