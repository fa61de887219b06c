"""graph_writer against failing dependencies: what it dead-letters, commits and reports.

Real Kafka and Neo4j throughout; faults are real too (servers stopped, a password
changed on the server, a bootstrap address that hangs up).
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ClientError

from tests.conftest import Graph, Services
from tests.integration.kafka_helpers import (
    committed_total,
    create_topic,
    produce,
    read_all,
    record_for,
)
from tests.integration.processes import ServiceProcess, http_status, start_writer, wait_for
from tests.integration.tcp_gate import TcpGate
from tests.integration.test_metrics import metric, scrape
from tests.integration.test_pipeline import assert_exact_graph, event_count, event_for

ROTATED_PASSWORD = "rotated-password-1"


@pytest.fixture
def group() -> str:
    return f"resilience-{uuid.uuid4().hex[:8]}"


class Writers:
    """graph_writer processes on this test's topic and group; all killed at the end."""

    def __init__(self, services: Services, topic: str, group: str, log_dir: Path) -> None:
        self._services, self._topic, self._group, self._log_dir = services, topic, group, log_dir
        self._started: list[ServiceProcess] = []

    def start(self, **env: str) -> ServiceProcess:
        process = start_writer(self._services, self._topic, self._group, self._log_dir, **env)
        self._started.append(process)
        return process

    def close(self) -> None:
        for process in self._started:
            process.close()


@pytest.fixture
def writers(services: Services, topic: str, group: str, tmp_path: Path) -> Iterator[Writers]:
    started = Writers(services, topic, group, tmp_path)
    yield started
    started.close()


def one_partition(services: Services, topic: str) -> None:
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=1))


def produce_events(services: Services, topic: str, prefix: str, ids: range) -> None:
    records = [record_for(f"{prefix}-{i}", event_for(i)) for i in ids]
    asyncio.run(produce(services.kafka_bootstrap, topic, records))


def committed(services: Services, topic: str, group: str) -> int:
    return asyncio.run(committed_total(services.kafka_bootstrap, topic, group))


def dead_letters(services: Services, topic: str) -> list[object]:
    return asyncio.run(read_all(services.kafka_bootstrap, f"{topic}-dlq", 1, timeout_ms=3000))


def lag(writer: ServiceProcess) -> float:
    return metric(scrape(writer.url("/metrics")), "graph_writer_consumer_lag", partition="0")


def set_password(services: Services, old: str, new: str) -> None:
    """Change the server's password, waiting out the lock that failed logins cause.

    Any writer still logging in with the other password renews that lock: stop it first.
    """
    deadline = time.monotonic() + 60
    while True:
        try:
            with GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, old)) as d:
                d.execute_query(
                    "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                    old=old,
                    new=new,
                    database_="system",
                )
            return
        except (AuthError, ClientError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_refused_credentials_dead_letter_nothing_and_commit_nothing(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: Writers,
) -> None:
    """A password changed on the server is an outage, not 30 bad records."""
    one_partition(services, topic)
    first = writers.start(WRITER_BACKOFF_MAX_S="1")
    first.wait_ready()
    produce_events(services, topic, "pw", range(20))
    wait_for(lambda: committed(services, topic, group) == 20, 60, "the first 20 committed")

    set_password(services, services.neo4j_password, ROTATED_PASSWORD)
    try:
        # Pooled connections logged in before the change and stay valid; a restart makes
        # the writer log in again, with the password it was given.
        services.control("neo4j", "stop")
        services.control("neo4j", "start")
        produce_events(services, topic, "pw", range(20, 50))
        wait_for(lambda: "Neo.ClientError.Security" in first.log(), 60, "the write refused")
        wait_for(
            lambda: http_status(first.url("/health/ready")) == 503, 30, "readiness to turn false"
        )
        time.sleep(3)  # several more retries, each of which could dead-letter or commit
        assert first.log().count("batch not written, retrying") >= 2
        assert dead_letters(services, topic) == []
        assert committed(services, topic, group) == 20
        assert http_status(first.url("/health/ready")) == 503
        first.signal(signal.SIGTERM)
        assert first.wait_exit(30) == 0, first.log()

        # The fix: the writer restarted with the password the server now has.
        second = writers.start(NEO4J_PASSWORD=ROTATED_PASSWORD)
        wait_for(lambda: committed(services, topic, group) == 50, 90, "the writer to resume")
        second.wait_ready(30)
        second.signal(signal.SIGTERM)
        assert second.wait_exit(30) == 0, second.log()
    finally:
        writers.close()
        set_password(services, ROTATED_PASSWORD, services.neo4j_password)
    assert_exact_graph(graph, 50)
    assert dead_letters(services, topic) == []


def test_kafka_refusing_the_consumer_at_start_up_is_waited_out(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: Writers,
) -> None:
    """Kafka answers the topic check, then hangs up on the consumer's bootstrap."""
    one_partition(services, topic)
    with TcpGate(services.kafka_bootstrap, admit=1) as gate:
        writer = writers.start(
            KAFKA_BOOTSTRAP_SERVERS=gate.address,
            WRITER_BACKOFF_MAX_S="1",
        )
        wait_for(lambda: gate.refused >= 2, 60, "the client start to be retried")
        assert writer.proc.poll() is None, writer.log()
        assert http_status(writer.url("/health/ready")) == 503
        assert "waiting for Kafka" in writer.log()

        produce_events(services, topic, "gate", range(30))
        gate.open()
        writer.wait_ready(60)
        wait_for(lambda: event_count(graph) >= 30, 60, "the 30 events")
        wait_for(lambda: committed(services, topic, group) == 30, 30, "their commits")
    assert_exact_graph(graph, 30)


def test_sigterm_while_kafka_refuses_the_consumer_exits_zero_promptly(
    services: Services, topic: str, writers: Writers
) -> None:
    one_partition(services, topic)
    with TcpGate(services.kafka_bootstrap, admit=1) as gate:
        writer = writers.start(KAFKA_BOOTSTRAP_SERVERS=gate.address)
        wait_for(lambda: gate.refused >= 1, 60, "the client start to fail")
        assert writer.proc.poll() is None, writer.log()
        begun = time.monotonic()
        writer.signal(signal.SIGTERM)
        assert writer.wait_exit(15) == 0, writer.log()
    assert time.monotonic() - begun < 5


def test_sigterm_after_kafka_went_away_exits_zero_and_closes_its_clients(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: Writers,
) -> None:
    """The broker stops under a running writer; the stop that follows is still clean."""
    if not services.controllable:
        pytest.skip("needs the local Kafka to stop and start")
    one_partition(services, topic)
    writer = writers.start(WRITER_BACKOFF_MAX_S="1")
    writer.wait_ready(60)
    produce_events(services, topic, "gone", range(20))
    wait_for(lambda: committed(services, topic, group) == 20, 60, "the 20 commits")
    services.control("kafka", "stop")
    try:
        # Long enough for the fetcher to notice and sit in its retry backoff.
        time.sleep(3)
        assert writer.proc.poll() is None, writer.log()
        begun = time.monotonic()
        writer.signal(signal.SIGTERM)
        code = writer.wait_exit(30)
        took = time.monotonic() - begun
    finally:
        services.control("kafka", "start")
    log = writer.log()
    assert code == 0, log
    assert "Traceback" not in log, log
    assert "Unclosed" not in log, log
    assert took < 15, log
    assert_exact_graph(graph, 20)


def test_writer_started_while_kafka_is_down_waits_and_then_consumes(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: Writers,
) -> None:
    if not services.controllable:
        pytest.skip("needs the local Kafka to stop and start")
    services.control("kafka", "stop")
    try:
        writer = writers.start(WRITER_BACKOFF_MAX_S="1")
        wait_for(lambda: "waiting for Kafka" in writer.log(), 60, "a failed start-up step")
        time.sleep(2)
        assert writer.proc.poll() is None, writer.log()
        assert http_status(writer.url("/health/ready")) == 503
    finally:
        services.control("kafka", "start")
    writer.wait_ready(60)
    produce_events(services, topic, "late", range(25))
    wait_for(lambda: event_count(graph) >= 25, 60, "the 25 events")
    wait_for(lambda: committed(services, topic, group) == 25, 30, "their commits")
    assert_exact_graph(graph, 25)


def test_idle_writer_reports_a_neo4j_outage_within_seconds(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: Writers,
) -> None:
    if not services.controllable:
        pytest.skip("needs the local Neo4j to stop and start")
    writer = writers.start()
    writer.wait_ready()
    ready = writer.url("/health/ready")
    services.control("neo4j", "stop")
    try:
        begun = time.monotonic()
        wait_for(lambda: http_status(ready) == 503, 15, "readiness to turn false with no traffic")
        noticed_after = time.monotonic() - begun
        assert metric(scrape(writer.url("/metrics")), "graph_writer_neo4j_up") == 0
    finally:
        services.control("neo4j", "start")
    wait_for(lambda: http_status(ready) == 200, 15, "readiness to return with no traffic")
    assert noticed_after < 6
    assert writer.proc.poll() is None


def test_lag_gauge_counts_records_piling_up_while_the_writer_is_stalled(
    services: Services,
    graph: Graph,
    topic: str,
    group: str,
    writers: Writers,
) -> None:
    if not services.controllable:
        pytest.skip("needs the local Neo4j to stop and start")
    one_partition(services, topic)
    writer = writers.start(WRITER_BATCH_SIZE="10", WRITER_BACKOFF_MAX_S="10")
    writer.wait_ready()
    produce_events(services, topic, "lag", range(10))
    wait_for(lambda: committed(services, topic, group) == 10, 60, "the first 10 committed")
    wait_for(lambda: lag(writer) == 0, 15, "no lag")

    services.control("neo4j", "stop")
    try:
        produce_events(services, topic, "lag", range(10, 20))
        wait_for(lambda: "batch not written" in writer.log(), 60, "the writer to stall")
        produce_events(services, topic, "lag", range(20, 120))
        # The stalled batch and everything behind it: 110 records not written.
        wait_for(lambda: lag(writer) == 110, 15, "the lag gauge to count 110")
        assert committed(services, topic, group) == 10
    finally:
        services.control("neo4j", "start")
    wait_for(lambda: committed(services, topic, group) == 120, 90, "the writer to catch up")
    wait_for(lambda: lag(writer) == 0, 15, "the lag to drain")
    assert_exact_graph(graph, 120)
