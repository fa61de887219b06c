"""Direct access to Neo4j and Kafka: wiping, counting, pre-filling, and the baselines."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from neo4j import AsyncDriver, AsyncGraphDatabase

from bench.events import EventGenerator
from bench.infra import BenchEnv
from shared.kafka_io.codec import CONTENT_TYPE, SCHEMA_VERSION, EventRecord
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event
from shared.neo4j_store.repository import GraphRepository

# The producer settings ingest_api uses (ingest_api/settings.py defaults).
PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "max_batch_size": 1_048_576,
    "request_timeout_ms": 10_000,
}

# Relationships first: DETACH DELETE of a hot entity (tens of thousands of relationships
# after a soak) in one inner transaction exceeds Neo4j's transaction memory limit.
_WIPE = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


class Graph:
    def __init__(self, env: BenchEnv) -> None:
        self.env = env
        self.driver: AsyncDriver = AsyncGraphDatabase.driver(
            env.neo4j_uri, auth=(env.neo4j_user, env.neo4j_password), max_connection_pool_size=16
        )
        self.repository = GraphRepository(self.driver, env.neo4j_database)

    async def close(self) -> None:
        await self.driver.close()

    async def wipe(self) -> float:
        started = time.monotonic()
        # CALL ... IN TRANSACTIONS needs an auto-commit (implicit) transaction.
        async with self.driver.session(database=self.env.neo4j_database) as session:
            for statement in _WIPE:
                await (await session.run(statement)).consume()
        await self.repository.ensure_schema()
        return time.monotonic() - started

    async def count_events(self) -> int:
        records, _, _ = await self.driver.execute_query(
            "MATCH (e:Event) RETURN count(e) AS n", database_=self.env.neo4j_database
        )
        count: int = records[0]["n"]
        return count

    async def visible(self, ids: list[str]) -> list[str]:
        records, _, _ = await self.driver.execute_query(
            "MATCH (e:Event) WHERE e.id IN $ids RETURN e.id AS id",
            ids=ids,
            database_=self.env.neo4j_database,
        )
        return [r["id"] for r in records]

    async def write_batches(
        self,
        batches: Sequence[Sequence[GraphEvent]],
        concurrency: int,
        write: Callable[[Sequence[GraphEvent]], Awaitable[object]] | None = None,
    ) -> float:
        """`write` (default GraphRepository.write_events) over `batches`, `concurrency` at a
        time; seconds taken."""
        queue = iter(batches)
        write_one = write or self.repository.write_events

        async def worker() -> None:
            for batch in queue:
                await write_one(batch)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.monotonic() - started


def graph_events(
    generator: EventGenerator, ids: Sequence[str], pool: int | None = None
) -> list[GraphEvent]:
    """GraphEvents of event i (or i % pool), mapped exactly as the services map them."""
    now = datetime.now(UTC)
    cache: dict[int, dict[str, Any]] = {}
    out = []
    for i, event_id in enumerate(ids):
        n = i % pool if pool else i
        event = cache.get(n) if pool else None
        if event is None:
            event = generator.event(n)
            if pool:
                cache[n] = event
        out.append(to_graph_event(event_id, "ocsf", event, now))
    return out


def chunks(items: Sequence[GraphEvent], size: int) -> list[Sequence[GraphEvent]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- Kafka ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _admin(env: BenchEnv) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=env.kafka_bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def create_topic(env: BenchEnv, name: str, partitions: int = 6) -> None:
    async with _admin(env) as admin:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])


async def delete_topics(env: BenchEnv, prefix: str) -> None:
    async with _admin(env) as admin:
        try:
            names = [t for t in await admin.list_topics() if t.startswith(prefix)]
            if names:
                await admin.delete_topics(names)
        except KafkaError:
            pass  # best effort: topics of a benchmark run are disposable


def records_for(
    generator: EventGenerator, ids: Sequence[str], pool: int | None = None
) -> list[EventRecord]:
    """The records ingest_api would write (version 2: the event, no graph)."""
    now = datetime.now(UTC)
    size = pool or len(ids)
    events = [generator.event(n) for n in range(min(size, len(ids)))]
    return [EventRecord(event_id, "ocsf", events[i % size], now) for i, event_id in enumerate(ids)]


def serialized(
    records: Sequence[EventRecord],
) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """(value, key, headers) as KafkaPublisher.publish sends them (request id: 32 hex chars)."""
    headers = [
        ("content-type", CONTENT_TYPE.encode()),
        ("schema-version", str(SCHEMA_VERSION).encode()),
        ("request-id", b"0" * 32),
    ]
    return [(r.value(), r.key(), headers) for r in records]


async def end_offsets(env: BenchEnv, topic: str) -> dict[int, int]:
    """Partition -> end offset (records ever appended) of an existing topic."""
    async with _admin(env) as admin:
        (described,) = await admin.describe_topics([topic])
    if described["error_code"] != 0:
        raise KafkaError(f"describe {topic}: error code {described['error_code']}")
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=env.kafka_bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}


async def committed_offsets(env: BenchEnv, topic: str, group: str) -> dict[int, int]:
    """Partition -> offset the group has committed (partitions it never committed are left out)."""
    async with _admin(env) as admin:
        offsets = await admin.list_consumer_group_offsets(group)
    return {tp.partition: m.offset for tp, m in offsets.items() if tp.topic == topic}


async def group_lag(env: BenchEnv, topic: str, group: str) -> int:
    """Records appended to `topic` that `group` has not committed yet. The end offsets are
    read first, so a commit landing in between can pass them: clamped per partition, and
    0 means every record up to the ends read has been committed."""
    ends = await end_offsets(env, topic)
    committed = await committed_offsets(env, topic, group)
    return sum(max(0, end - committed.get(p, 0)) for p, end in ends.items())


async def warm_group_coordinator(env: BenchEnv, topic: str) -> None:
    """Join a throwaway group and commit once, so a fresh broker creates __consumer_offsets
    before any measured writer needs it (the first group on a new broker can stall)."""
    await create_topic(env, topic, 1)
    await produce_all(env, topic, [(b"{}", b"k", [])])
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=env.kafka_bootstrap, group_id=f"{topic}-group",
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    try:
        async with asyncio.timeout(60):
            while not await consumer.getmany(timeout_ms=1000):
                pass
            await consumer.commit()
    finally:
        await consumer.stop()


async def produce_all(
    env: BenchEnv, topic: str, messages: Sequence[tuple[bytes, bytes, list[tuple[str, bytes]]]]
) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=env.kafka_bootstrap, **PRODUCER_SETTINGS)
    await producer.start()
    try:
        started = time.monotonic()
        futures = [await producer.send(topic, value=v, key=k, headers=h) for v, k, h in messages]
        await asyncio.gather(*futures)
        return time.monotonic() - started
    finally:
        await producer.stop()


async def bare_producer_rate(
    env: BenchEnv,
    topic: str,
    messages: Sequence[tuple[bytes, bytes, list[tuple[str, bytes]]]],
    batch: int,
    concurrency: int,
    duration_s: float,
    warmup_s: float,
) -> dict[str, Any]:
    """`concurrency` tasks each send `batch` records and wait for all acks, like one request.

    The records are serialized beforehand: this is the producer's (and broker's) limit.
    """
    producer = AIOKafkaProducer(bootstrap_servers=env.kafka_bootstrap, **PRODUCER_SETTINGS)
    await producer.start()
    await producer.partitions_for(topic)
    cursor = 0
    done_in_window = 0
    latencies: list[float] = []
    t0 = time.monotonic()
    window = t0 + warmup_s
    deadline = t0 + duration_s
    last = window
    cpu0 = time.process_time()

    async def worker() -> None:
        nonlocal cursor, done_in_window, last
        while time.monotonic() < deadline:
            start = cursor
            cursor += batch
            started = time.monotonic()
            pending = [
                await producer.send(topic, value=v, key=k, headers=h)
                for v, k, h in (messages[(start + j) % len(messages)] for j in range(batch))
            ]
            await asyncio.gather(*pending)
            now = time.monotonic()
            if now >= window:
                done_in_window += 1
                latencies.append(now - started)
                last = now

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await producer.stop()
    seconds = last - window
    latencies.sort()
    return {
        "events_per_s": done_in_window * batch / seconds if seconds > 0 else 0.0,
        "batches": done_in_window,
        "seconds": seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
        if latencies
        else 0.0,
        "harness_cpu_pct": 100 * (time.process_time() - cpu0) / max(1e-9, time.monotonic() - t0),
    }
