"""Preparing a fetched batch: decodable records become graph events, the rest dead letters."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord

from graph_writer.batch import Item, prepare
from shared.kafka_io.codec import EventRecord
from shared.neo4j_store.reject_isolation import Isolated
from shared.neo4j_store.repository import WriteRejected
from tests.samples import ocsf_authentication


def record(offset: int, value: bytes) -> ConsumerRecord:
    return ConsumerRecord(
        topic="security-events",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=[],
    )


def good(offset: int) -> ConsumerRecord:
    value = EventRecord(
        f"evt-{offset}", "ocsf", ocsf_authentication(f"uid-{offset}"), datetime.now(UTC)
    ).value()
    return record(offset, value)


async def test_each_record_becomes_an_item_or_an_undecodable_with_the_reason() -> None:
    records = [good(0), record(1, b"not json"), good(2), record(3, b'{"schema_version": 99}')]
    batch = await prepare(records)
    assert batch.records == records
    assert [item.source.offset for item in batch.items] == [0, 2]
    assert [item.event.id for item in batch.items] == ["evt-0", "evt-2"]
    assert [(r.offset, reason.split(":")[0]) for r, reason in batch.undecodable] == [
        (1, "InvalidEvent"),
        (3, "InvalidEvent"),
    ]


async def test_many_records_keep_their_order() -> None:
    records = [good(i) for i in range(150)]
    batch = await prepare(records)
    assert [item.source.offset for item in batch.items] == list(range(150))


async def test_the_dead_are_the_undecodable_plus_what_neo4j_rejected() -> None:
    batch = await prepare([good(0), record(1, b"[]"), good(2)])
    written: Isolated[Item] = Isolated(
        created=1, rejected=[(batch.items[1], WriteRejected("constraint"))]
    )
    dead = batch.dead(written)
    assert [(r.offset, reason) for r, reason in dead] == [
        (1, "InvalidEvent: <root>: record value is not a JSON object"),
        (2, "constraint"),
    ]
