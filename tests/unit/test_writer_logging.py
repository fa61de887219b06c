"""What graph_writer puts in its log lines: ids and positions, never payloads or secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from graph_writer.offsets import first_offsets
from graph_writer.record_log import (
    batch_fields,
    dead_letter_fields,
    event_fields,
    offset_ranges,
    request_id_of,
)
from shared.core.logging_setup import JsonFormatter, configure_logging
from shared.kafka_io.codec import record_headers


def record(
    partition: int,
    offset: int,
    headers: list[tuple[str, bytes]] | None = None,
    key: bytes | None = b"evt-1",
) -> ConsumerRecord:
    return ConsumerRecord(
        topic="security-events",
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=b'{"secret-payload": "do not log"}',
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=headers or [],
    )


def test_request_id_comes_from_the_header_ingest_api_writes() -> None:
    assert request_id_of(record(0, 1, record_headers("req-42"))) == "req-42"
    assert request_id_of(record(0, 1, record_headers(None))) is None
    assert request_id_of(record(0, 1, [])) is None


def test_foreign_producers_cannot_flood_a_log_line() -> None:
    long = record(0, 1, [("request-id", b"x" * 10_000)], key=b"k" * 10_000)
    assert request_id_of(long) == "x" * 128
    assert dead_letter_fields(long)["event_id"] == "k" * 128
    assert request_id_of(record(0, 1, [("request-id", b"\xff\xfe")])) == "\ufffd\ufffd"


def test_offset_ranges_per_partition() -> None:
    records = [record(2, 7), record(0, 5), record(2, 9), record(0, 4), record(2, 8)]
    assert offset_ranges(records) == {"0": [4, 5], "2": [7, 9]}
    assert offset_ranges([]) == {}


def test_first_offsets_is_where_processing_stands() -> None:
    records = [record(1, 12), record(1, 10), record(3, 0)]
    assert first_offsets(records) == {
        TopicPartition("security-events", 1): 10,
        TopicPartition("security-events", 3): 0,
    }


def test_field_sets_carry_positions_and_ids_only() -> None:
    rec = record(3, 17, record_headers("req-1"))
    assert event_fields("evt-1", rec) == {
        "event_id": "evt-1",
        "request_id": "req-1",
        "partition": 3,
        "offset": 17,
    }
    assert dead_letter_fields(rec) == {
        "event_id": "evt-1",
        "request_id": "req-1",
        "partition": 3,
        "offset": 17,
    }
    fields = batch_fields([rec, record(3, 18)], 0.01234, 1, 0, 1)
    assert fields == {
        "count": 2,
        "offsets": {"3": [17, 18]},
        "duration_ms": 12.3,
        "new_events": 1,
        "duplicates": 0,
        "dead_lettered": 1,
    }
    assert "payload" not in json.dumps(fields)


def log_record(level: int, message: str, fields: dict[str, object]) -> logging.LogRecord:
    # makeRecord refuses extra keys that clash with LogRecord's own attributes, as logging does.
    return logging.getLogger("graph_writer").makeRecord(
        "graph_writer", level, __file__, 1, message, (), None, extra=fields
    )


def test_json_line_carries_the_batch_and_event_fields() -> None:
    rec = record(3, 17, record_headers("req-1"))
    line = log_record(logging.INFO, "batch written", batch_fields([rec], 0.002, 1, 0, 0))
    out = json.loads(JsonFormatter().format(line))
    assert out["message"] == "batch written"
    assert out["count"] == 1
    assert out["offsets"] == {"3": [17, 17]}
    assert out["duration_ms"] == 2.0
    assert out["new_events"] == 1
    event = log_record(logging.DEBUG, "event written", event_fields("evt-1", rec))
    out = json.loads(JsonFormatter().format(event))
    assert (out["event_id"], out["request_id"], out["partition"], out["offset"]) == (
        "evt-1",
        "req-1",
        3,
        17,
    )


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in ("neo4j", "aiokafka")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lib_level in libraries.items():
        logging.getLogger(name).setLevel(lib_level)


@pytest.mark.usefixtures("restored_logging")
def test_debug_is_for_our_code_not_the_drivers() -> None:
    """The drivers' DEBUG output holds query parameters, i.e. event payloads."""
    configure_logging("DEBUG")
    assert logging.getLogger("graph_writer.consume_loop").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("neo4j.io").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("aiokafka.consumer").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("aiokafka.consumer").isEnabledFor(logging.INFO)
    configure_logging("WARNING")
    assert not logging.getLogger("neo4j").isEnabledFor(logging.INFO)
