"""Readiness and the Neo4j watch: writes prove Neo4j works; an idle ping asks otherwise."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError
from prometheus_client import REGISTRY

from graph_writer.readiness import Neo4jWatch, WriterStatus
from shared.core.errors import StoreUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Neo4jAnswers:
    """Stands in for the repository's ping: answers, or raises what the driver layer raises."""

    def __init__(self) -> None:
        self.calls = 0
        self.failure: BaseException | None = None
        self.hang = False

    async def __call__(self) -> None:
        self.calls += 1
        if self.hang:
            await asyncio.sleep(60)
        if self.failure is not None:
            raise self.failure


def watch(interval: float = 2.0) -> tuple[Neo4jWatch, Clock, Neo4jAnswers]:
    clock, ping = Clock(), Neo4jAnswers()
    return Neo4jWatch(WriterStatus(consuming=True), ping, interval, clock), clock, ping


def test_ready_needs_both_consuming_and_neo4j() -> None:
    assert not WriterStatus().ready
    assert not WriterStatus(consuming=True).ready
    assert not WriterStatus(neo4j_ok=True).ready
    assert WriterStatus(consuming=True, neo4j_ok=True).ready


def test_a_failed_write_marks_neo4j_down_only_when_neo4j_is_to_blame() -> None:
    w, _, _ = watch()
    w.write_succeeded()
    w.write_failed(KafkaTimeoutError())
    assert w.status.neo4j_ok
    w.write_failed(StoreUnavailable("gone"))
    assert not w.status.neo4j_ok
    assert REGISTRY.get_sample_value("graph_writer_neo4j_up") == 0
    w.write_succeeded()
    assert w.status.ready
    assert REGISTRY.get_sample_value("graph_writer_neo4j_up") == 1


async def test_no_ping_while_writes_keep_proving_neo4j_works() -> None:
    w, clock, ping = watch()
    clock.now += 1.5
    w.write_succeeded()
    clock.now += 1.5
    await w.ping_if_idle()
    assert ping.calls == 0
    clock.now += 0.5
    await w.ping_if_idle()
    assert ping.calls == 1
    assert w.status.neo4j_ok


async def test_an_idle_ping_that_fails_marks_not_ready_and_waits_an_interval() -> None:
    w, clock, ping = watch()
    w.write_succeeded()
    ping.failure = StoreUnavailable("refused")
    clock.now += 2.0
    await w.ping_if_idle()
    assert not w.status.ready
    await w.ping_if_idle()
    assert ping.calls == 1  # down is no reason to hammer
    ping.failure = None
    clock.now += 2.0
    await w.ping_if_idle()
    assert w.status.ready


async def test_a_ping_that_hangs_counts_as_down() -> None:
    w, clock, ping = watch(interval=0.05)
    w.write_succeeded()
    ping.hang = True
    clock.now += 1.0
    await w.ping_if_idle()
    assert not w.status.neo4j_ok


async def test_other_errors_are_not_taken_for_an_outage() -> None:
    w, clock, ping = watch()
    ping.failure = ValueError("a bug")
    clock.now += 2.0
    with pytest.raises(ValueError, match="a bug"):
        await w.ping_if_idle()
