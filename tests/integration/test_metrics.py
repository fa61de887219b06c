"""Counters move by exactly the traffic that went through the real servers."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.kafka_helpers import create_topic, produce, record_for
from tests.integration.processes import ServiceProcess, start_writer, wait_for


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def metric(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        text: str = response.read().decode()
        return text


def test_hundred_events_move_every_counter_by_a_hundred(
    services: Services, graph: Graph, topic: str, tmp_path: Path
) -> None:
    group = f"metrics-{topic}"
    writer: ServiceProcess = start_writer(services, topic, group, tmp_path)
    try:
        settings = api_settings(services, use_kafka=True, kafka_topic_input=topic)
        with TestClient(create_app(settings)) as client:
            before = client.get("/metrics").text
            batch = [
                {"id": f"m-{i}", "event": {"class_uid": 4001, "src_endpoint": {"ip": "10.1.1.1"}}}
                for i in range(100)
            ]
            assert client.post("/events/batch", json=batch).status_code == 202
            assert client.post("/events", json={"event": {"class_uid": "x"}}).status_code == 422
            after = client.get("/metrics").text
        assert (
            metric(after, "ingest_events_total", path="kafka")
            - metric(before, "ingest_events_total", path="kafka")
            == 100
        )
        assert (
            metric(after, "ingest_events_total", path="rejected")
            - metric(before, "ingest_events_total", path="rejected")
            == 1
        )
        route_ok = dict(route="/events/batch", method="POST", status="202")
        assert (
            metric(after, "ingest_requests_total", **route_ok)
            - metric(before, "ingest_requests_total", **route_ok)
            == 1
        )
        assert metric(after, "ingest_kafka_send_seconds_count") > metric(
            before, "ingest_kafka_send_seconds_count"
        )

        writer.wait_ready()
        wait_for(
            lambda: graph.value("MATCH (e:Event) RETURN count(e) AS c") == 100, 60, "100 events"
        )

        def lag_settled() -> bool:
            text = scrape(writer.url("/metrics"))
            lags = [v for (n, _), v in samples(text).items() if n == "graph_writer_consumer_lag"]
            return (
                metric(text, "graph_writer_events_written_total") == 100
                and bool(lags)
                and sum(lags) == 0
            )

        wait_for(lag_settled, 30, "written counter at 100 and lag back to 0")
        text = scrape(writer.url("/metrics"))
        assert metric(text, "graph_writer_records_consumed_total") == 100
        assert metric(text, "graph_writer_dead_letters_total") == 0
        committed = sum(
            v for (n, _), v in samples(text).items() if n == "graph_writer_committed_offset"
        )
        assert committed == 100
    finally:
        writer.close()


def test_kafka_down_opens_the_breaker_and_counts_fallback(
    services: Services, graph: Graph, topic: str
) -> None:
    settings = api_settings(
        services,
        use_kafka=True,
        kafka_topic_input=topic,
        kafka_send_timeout_s=2.0,
        breaker_probe_interval_s=1.0,
    )
    with TestClient(create_app(settings)) as client:
        before = client.get("/metrics").text
        assert metric(before, "ingest_kafka_breaker_open") == 0
        services.control("kafka", "stop")
        try:
            for i in range(5):
                assert (
                    client.post(
                        "/events", json={"event": {"class_uid": 1, "metadata": {"uid": f"f-{i}"}}}
                    ).status_code
                    == 201
                )
            during = client.get("/metrics").text
        finally:
            services.control("kafka", "start")
        assert metric(during, "ingest_kafka_breaker_open") == 1
        assert (
            metric(during, "ingest_kafka_breaker_opened_total")
            - metric(before, "ingest_kafka_breaker_opened_total")
            == 1
        )
        assert (
            metric(during, "ingest_events_total", path="direct")
            - metric(before, "ingest_events_total", path="direct")
            == 5
        )
        # Only the first request paid for a send; the open breaker spared the other four.
        assert (
            metric(during, "ingest_kafka_send_failures_total")
            - metric(before, "ingest_kafka_send_failures_total")
            == 1
        )
        assert metric(during, "ingest_in_flight_events") == 0
        wait_for(
            lambda: metric(client.get("/metrics").text, "ingest_kafka_breaker_open") == 0,
            60,
            "the breaker to close",
        )


def test_a_partition_that_moves_takes_its_lag_series_with_it(
    services: Services, graph: Graph, topic: str, tmp_path: Path
) -> None:
    """After a rebalance each partition is reported by one replica, so sums stay true."""
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=2))
    asyncio.run(
        produce(
            services.kafka_bootstrap,
            topic,
            [record_for(f"lag-{i}", {"class_uid": 4001}) for i in range(40)],
        )
    )
    group = f"lag-{topic}"
    first = start_writer(services, topic, group, tmp_path)
    second: ServiceProcess | None = None
    try:
        first.wait_ready()

        def partitions_with_lag(writer: ServiceProcess) -> list[str]:
            text = scrape(writer.url("/metrics"))
            return sorted(
                dict(labels)["partition"]
                for (name, labels) in samples(text)
                if name == "graph_writer_consumer_lag"
            )

        wait_for(lambda: partitions_with_lag(first) == ["0", "1"], 60, "lag of both partitions")
        assert metric(scrape(first.url("/metrics")), "graph_writer_assigned_partitions") == 2

        second = start_writer(services, topic, group, tmp_path)
        second.wait_ready()
        wait_for(
            lambda: (
                metric(scrape(first.url("/metrics")), "graph_writer_assigned_partitions") == 1
                and metric(scrape(second.url("/metrics")), "graph_writer_assigned_partitions") == 1
            ),
            60,
            "one partition each",
        )
        asyncio.run(
            produce(
                services.kafka_bootstrap,
                topic,
                [record_for(f"lag-more-{i}", {"class_uid": 4001}) for i in range(40)],
            )
        )
        wait_for(lambda: graph.value("MATCH (e:Event) RETURN count(e) AS c") == 80, 60, "80 events")
        # Both replicas have now consumed from the partition they own.
        wait_for(
            lambda: len(partitions_with_lag(second)) == 1, 30, "the second writer's lag series"
        )
        assert len(partitions_with_lag(first)) == 1, "the moved partition is still reported"
        assert sorted(partitions_with_lag(first) + partitions_with_lag(second)) == ["0", "1"]
        for writer in (first, second):
            assert metric(scrape(writer.url("/metrics")), "graph_writer_ready") == 1
    finally:
        first.close()
        if second is not None:
            second.close()
