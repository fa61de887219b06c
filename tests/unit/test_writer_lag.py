"""The lag gauge's bookkeeping: positions per partition and records behind the log end."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from prometheus_client import REGISTRY

from graph_writer.lag import LagTracker

P0 = TopicPartition("security-events", 0)
P1 = TopicPartition("security-events", 1)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lag_gauge(partition: str) -> float | None:
    return REGISTRY.get_sample_value("graph_writer_consumer_lag", {"partition": partition})


def record(partition: int, offset: int) -> ConsumerRecord:
    return ConsumerRecord(
        topic="security-events",
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=b"{}",
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=[],
    )


def test_records_in_hand_count_as_not_written() -> None:
    lag = LagTracker(2.0, Clock())
    lag.fetched([record(0, 10), record(0, 11), record(1, 3)])
    assert lag.lags({P0: 20, P1: 3}) == {P0: 10, P1: 0}
    # A later fetch of the same partition does not move the position: nothing is written yet.
    lag.fetched([record(0, 12)])
    assert lag.positions[P0] == 10


def test_written_moves_the_position_only_for_assigned_partitions() -> None:
    lag = LagTracker(2.0, Clock())
    lag.fetched([record(0, 10), record(1, 5)])
    lag.written({P0: 12, P1: 6}, assigned={P0})
    assert lag.positions == {P0: 12, P1: 5}


def test_partitions_without_a_position_have_no_lag_and_lag_is_never_negative() -> None:
    lag = LagTracker(2.0, Clock())
    lag.fetched([record(0, 10)])
    assert lag.lags({P0: 4, P1: 100}) == {P0: 0}


def test_forget_drops_the_position_and_the_gauge() -> None:
    lag = LagTracker(2.0, Clock())
    lag.fetched([record(7, 1)])
    lag.publish({TopicPartition("security-events", 7): 9})
    assert lag_gauge("7") == 8
    lag.forget({TopicPartition("security-events", 7)})
    assert lag.positions == {}
    assert lag_gauge("7") is None
    lag.forget({TopicPartition("security-events", 8)})  # never seen: no error


def test_the_broker_is_asked_once_per_interval_and_only_with_partitions() -> None:
    clock = Clock()
    lag = LagTracker(2.0, clock)
    assert not lag.refresh_due(clock(), {P0})
    clock.now += 2.0
    assert lag.refresh_due(clock(), {P0})
    assert not lag.refresh_due(clock(), set())
