"""What the writer logs about the records it handles: ids and positions, never payloads. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from aiokafka.structs import ConsumerRecord

from shared.kafka_io.codec import REQUEST_ID_HEADER

# Headers come from any producer, not only ingest_api: bound what reaches a log line.
_MAX_ID_CHARS: Final = 128


def request_id_of(record: ConsumerRecord) -> str | None:
    for name, value in record.headers or ():
        if name == REQUEST_ID_HEADER and value:
            return _bounded(value)
    return None


def key_of(record: ConsumerRecord) -> str | None:
    """The record key is the event id when ingest_api produced it."""
    return _bounded(record.key) if record.key else None


def offset_ranges(records: Iterable[ConsumerRecord]) -> dict[str, list[int]]:
    """Per partition, [first, last] offset of the batch; keys are strings for the JSON line."""
    ranges: dict[int, list[int]] = {}
    for record in records:
        span = ranges.setdefault(record.partition, [record.offset, record.offset])
        span[0] = min(span[0], record.offset)
        span[1] = max(span[1], record.offset)
    return {str(partition): ranges[partition] for partition in sorted(ranges)}


def event_fields(event_id: str, record: ConsumerRecord) -> dict[str, object]:
    return {
        "event_id": event_id,
        "request_id": request_id_of(record),
        "partition": record.partition,
        "offset": record.offset,
    }


def dead_letter_fields(record: ConsumerRecord) -> dict[str, object]:
    return {
        "event_id": key_of(record),
        "request_id": request_id_of(record),
        "partition": record.partition,
        "offset": record.offset,
    }


def batch_fields(
    records: Sequence[ConsumerRecord],
    seconds: float,
    new_events: int,
    duplicates: int,
    dead_lettered: int,
) -> dict[str, object]:
    return {
        "count": len(records),
        "offsets": offset_ranges(records),
        "duration_ms": round(seconds * 1000, 1),
        "new_events": new_events,
        "duplicates": duplicates,
        "dead_lettered": dead_lettered,
    }


def _bounded(raw: bytes) -> str:
    return raw[:_MAX_ID_CHARS].decode("utf-8", errors="replace")
