"""Producing and reading records on the real broker for the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.kafka_io.codec import EventRecord
from shared.mapping.graph_wire import graph_to_wire
from shared.mapping.to_graph import to_graph_event


async def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


def record_for(event_id: str, event: dict[str, Any], *, mapped: bool = False) -> EventRecord:
    """`mapped=True`: a version 1 record carrying the graph its API mapped, as the previous
    ingest_api wrote (and still readable: a rolling upgrade); `mapped=False`: the version 2
    record ingest_api writes now, which graph_writer maps."""
    received_at = datetime.now(UTC)
    if not mapped:
        return EventRecord(event_id, "ocsf", event, received_at)
    graph = graph_to_wire(to_graph_event(event_id, "ocsf", event, received_at))
    return EventRecord(event_id, "ocsf", event, received_at, graph)


async def produce(bootstrap: str, topic: str, records: list[EventRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, r.value(), key=r.key()) for r in records]
        for future in futures:
            await future
    finally:
        await producer.stop()


async def produce_raw(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_all(
    bootstrap: str, topic: str, expected: int, timeout_ms: int = 15_000
) -> list[Any]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    records: list[Any] = []
    try:
        while len(records) < expected:
            batch = await consumer.getmany(timeout_ms=timeout_ms)
            if not batch:
                break
            for partition in batch.values():
                records.extend(partition)
    finally:
        await consumer.stop()
    return records


async def committed_total(bootstrap: str, topic: str, group: str) -> int:
    """Sum over partitions of the group's committed offsets (records it has finished)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)
