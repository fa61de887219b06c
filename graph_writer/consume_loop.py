"""The consume-write-commit loop: offsets are committed only after Neo4j committed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import ConsumerRecord

from graph_writer import metrics, record_log
from graph_writer.batch_write import Item, Outcome, write_isolating_rejects
from graph_writer.dead_letters import DeadLetterPublisher
from graph_writer.offsets import first_offsets, next_offsets
from graph_writer.settings import GraphWriterSettings
from shared.core.errors import InvalidEvent, StoreUnavailable
from shared.kafka_io.codec import decode_record
from shared.mapping.to_graph import to_graph_event
from shared.neo4j_store.repository import GraphRepository

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord


@dataclass
class WriterStatus:
    """What the health endpoints report; written only by the loop."""

    consuming: bool = False
    neo4j_ok: bool = False
    assigned: set[TopicPartition] = field(default_factory=set)

    @property
    def ready(self) -> bool:
        return self.consuming and self.neo4j_ok


@dataclass(frozen=True, slots=True)
class _Batch:
    records: list[Record]
    items: list[Item[Record]]
    undecodable: list[tuple[Record, str]]


# Records decoded and mapped between two yields to the event loop. The write of the
# previous batch runs on the same loop and needs it at each of its round trips to Neo4j;
# one long CPU stretch here would leave Neo4j idle, waiting for the next query.
_PREPARE_SLICE = 64


async def _prepare(records: list[Record]) -> _Batch:
    items: list[Item[Record]] = []
    undecodable: list[tuple[Record, str]] = []
    for index, record in enumerate(records):
        if index % _PREPARE_SLICE == _PREPARE_SLICE - 1:
            await asyncio.sleep(0)
        try:
            env = decode_record(record.value)
            event = to_graph_event(env.id, env.source_format, env.event, env.received_at)
        except InvalidEvent as exc:
            undecodable.append((record, f"InvalidEvent: {exc}"))
        else:
            items.append(Item(record, event))
    return _Batch(records, items, undecodable)


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commit what is already written before a partition moves to another replica."""

    def __init__(self, loop: ConsumeLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._loop.commit_written(revoked)
        self._loop.forget(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._loop.status.assigned = set(assigned)
        metrics.ASSIGNED_PARTITIONS.set(len(assigned))
        log.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))


class ConsumeLoop:
    def __init__(
        self,
        settings: GraphWriterSettings,
        consumer: AIOKafkaConsumer,
        repository: GraphRepository,
        dead_letters: DeadLetterPublisher,
        status: WriterStatus,
    ) -> None:
        self._settings = settings
        self._consumer = consumer
        self._repository = repository
        self._dead_letters = dead_letters
        self.status = status
        # Written to Neo4j but not yet committed to Kafka.
        self._written: dict[TopicPartition, int] = {}
        # Next offset to write per partition (records in hand count as not written), for
        # the lag gauge.
        self._positions: dict[TopicPartition, int] = {}
        # Loop clock of the last proof that Neo4j works, and of the last lag refresh.
        self._neo4j_seen_at = asyncio.get_running_loop().time()
        self._lag_refreshed_at = self._neo4j_seen_at

    def listener(self) -> ConsumerRebalanceListener:
        return _CommitOnRevoke(self)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the batches in hand are finished and committed first.

        Up to WRITER_BATCHES_IN_FLIGHT batches are written at once, each in its own
        transaction: while Neo4j works on one, this loop fetches, decodes and maps the
        next, and Neo4j can run a second transaction on its other cores. Batches complete
        and are committed in fetch order, so a partition's offset never passes a record
        that is not in the graph; and since the write is idempotent and order-independent,
        overlapping transactions yield the same graph as sequential ones (the same holds
        for two replicas writing at once).
        """
        self.status.consuming = True
        in_flight: deque[tuple[_Batch, asyncio.Task[Outcome[Record]], float]] = deque()
        try:
            while not stop.is_set():
                if len(in_flight) < self._settings.writer_batches_in_flight:
                    wait_ms = 0 if in_flight else self._settings.writer_batch_wait_ms
                    batch = await self._fetch(wait_ms)
                    if batch is not None:
                        task = asyncio.create_task(self._store(batch))
                        in_flight.append((batch, task, time.perf_counter()))
                        continue
                if in_flight and not await self._finish(in_flight.popleft(), stop):
                    return
                await self._ping_neo4j_if_idle()
                await self._refresh_lag_if_due()
            while in_flight:
                if not await self._finish(in_flight.popleft(), stop):
                    return
        finally:
            self.status.consuming = False
            # Only left over when stopped mid-retry or on an error: never committed, so
            # the group reads these records again.
            for _, task, _ in in_flight:
                task.cancel()
            await asyncio.gather(*(task for _, task, _ in in_flight), return_exceptions=True)

    async def _finish(
        self,
        entry: tuple[_Batch, asyncio.Task[Outcome[Record]], float],
        stop: asyncio.Event,
    ) -> bool:
        """Wait for the oldest batch (retrying it if need be) and commit it; False if stopped."""
        batch, task, started = entry
        outcome = await self._store_until_done(batch, task, stop)
        if outcome is None:
            return False
        log.info(
            "batch written",
            extra=record_log.batch_fields(
                batch.records,
                time.perf_counter() - started,
                outcome.created,
                outcome.already_present,
                len(outcome.rejected),
            ),
        )
        done = next_offsets(batch.records)
        self._written.update(done)
        # Not for partitions revoked meanwhile: their next owner may be further on.
        assigned = self._consumer.assignment()
        self._positions.update({tp: o for tp, o in done.items() if tp in assigned})
        await self.commit_written(None)
        self._report_lag()
        return True

    async def _fetch(self, timeout_ms: int) -> _Batch | None:
        limit = self._settings.writer_batch_size
        records: list[Record] = []
        # getmany returns as soon as one partition's fetch is in; the others are often
        # buffered already. Take them too, without waiting again: with hot entities, a
        # bigger batch folds more updates into each entity row and costs Neo4j less per event.
        while len(records) < limit:
            batches = await self._consumer.getmany(
                timeout_ms=0 if records else timeout_ms, max_records=limit - len(records)
            )
            fetched = [r for partition in batches.values() for r in partition]
            if not fetched:
                break
            records.extend(fetched)
        if not records:
            return None
        metrics.RECORDS_CONSUMED.inc(len(records))
        metrics.BATCH_SIZE.observe(len(records))
        # Lag becomes visible from the first batch, even if that one never gets written.
        for tp, offset in first_offsets(records).items():
            self._positions.setdefault(tp, offset)
        return await _prepare(records)

    async def commit_written(self, only: set[TopicPartition] | None) -> None:
        assignment = self._consumer.assignment()
        offsets = {
            tp: offset
            for tp, offset in self._written.items()
            if tp in assignment and (only is None or tp in only)
        }
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group moved on; the new owner re-reads these records and the idempotent
            # write makes the second delivery harmless.
            log.warning("commit failed after a rebalance: %s", exc)
        else:
            for tp, offset in offsets.items():
                metrics.COMMITTED_OFFSET.labels(str(tp.partition)).set(offset)
        for tp in offsets:
            self._written.pop(tp, None)

    def forget(self, revoked: set[TopicPartition]) -> None:
        """Drop the gauges of partitions now owned elsewhere, or their last values linger."""
        for tp in revoked:
            self._positions.pop(tp, None)
            # A no-op for a partition that never got a value (prometheus-client >= 0.22).
            metrics.CONSUMER_LAG.remove(str(tp.partition))
            metrics.COMMITTED_OFFSET.remove(str(tp.partition))

    async def _store(self, batch: _Batch) -> Outcome[Record]:
        outcome = await write_isolating_rejects(
            self._repository, batch.items, self._settings.writer_record_attempts
        )
        await self._dead_letters.publish(batch.undecodable + outcome.rejected)
        return outcome

    async def _store_until_done(
        self, batch: _Batch, first_try: Awaitable[Outcome[Record]], stop: asyncio.Event
    ) -> Outcome[Record] | None:
        """Write (or dead-letter) every record; None if stopped before that was done."""
        backoff = self._settings.writer_backoff_initial_s
        attempt = first_try
        while True:
            try:
                outcome = await attempt
            except (StoreUnavailable, KafkaError, TimeoutError) as exc:
                self.status.neo4j_ok = not isinstance(exc, StoreUnavailable)
                metrics.NEO4J_UP.set(int(self.status.neo4j_ok))
                metrics.WRITE_RETRIES.inc()
                log.warning("batch not written, retrying in %.1fs: %s", backoff, exc)
                if stop.is_set():
                    return None
                # Refreshes the lag gauge from the broker as it waits: while the writer is
                # stuck is when the gauge matters most.
                await self._idle(backoff)
                backoff = min(backoff * 2, self._settings.writer_backoff_max_s)
                attempt = self._store(batch)
                continue
            break
        self._resume()
        self._neo4j_seen_at = asyncio.get_running_loop().time()
        self.status.neo4j_ok = True
        metrics.NEO4J_UP.set(1)
        metrics.EVENTS_WRITTEN.inc(outcome.created)
        metrics.EVENTS_DUPLICATE.inc(outcome.already_present)
        self._log_records(batch.items, batch.undecodable + outcome.rejected)
        return outcome

    @staticmethod
    def _log_records(items: list[Item[Record]], dead: list[tuple[Record, str]]) -> None:
        for record, _reason in dead:
            # The reason travels in the dead letter's dlq-error header, not in the log.
            log.warning("record dead-lettered", extra=record_log.dead_letter_fields(record))
        if not log.isEnabledFor(logging.DEBUG):
            return
        rejected = {id(record) for record, _ in dead}
        for item in items:
            if id(item.source) not in rejected:
                log.debug(
                    "event written", extra=record_log.event_fields(item.event.id, item.source)
                )

    async def _idle(self, seconds: float) -> None:
        """Wait while keeping group membership: poll with every partition paused."""
        assignment = self._consumer.assignment()
        self._consumer.pause(*assignment)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # In slices, so the lag gauge keeps counting what piles up during a long backoff.
        while (left := deadline - loop.time()) > 0:
            slice_s = min(left, self._settings.writer_check_interval_s)
            stray = await self._consumer.getmany(timeout_ms=max(1, int(slice_s * 1000)))
            # Partitions assigned during the wait are not paused; rewind anything they
            # returned so no record is skipped by a later commit.
            for tp, recs in stray.items():
                if recs:
                    self._consumer.seek(tp, recs[0].offset)
            await self._refresh_lag_if_due()

    async def _ping_neo4j_if_idle(self) -> None:
        """With no write to prove it, ask Neo4j now and then whether it still answers."""
        interval = self._settings.writer_check_interval_s
        now = asyncio.get_running_loop().time()
        if now - self._neo4j_seen_at < interval:
            return
        try:
            async with asyncio.timeout(interval):
                await self._repository.ping()
        except (StoreUnavailable, TimeoutError) as exc:
            if self.status.neo4j_ok:
                log.warning("Neo4j stopped answering while idle: %s", str(exc) or "timeout")
            self.status.neo4j_ok = False
            # Next ping one interval from now, not at once: down is not a reason to hammer.
            self._neo4j_seen_at = now
        else:
            if not self.status.neo4j_ok:
                log.info("Neo4j answers again")
            self.status.neo4j_ok = True
            self._neo4j_seen_at = asyncio.get_running_loop().time()
        metrics.NEO4J_UP.set(int(self.status.neo4j_ok))

    def _resume(self) -> None:
        paused = self._consumer.paused()
        if paused:
            self._consumer.resume(*paused)

    def _report_lag(self) -> None:
        """From the log ends the last fetch saw: free, but stale while nothing is fetched."""
        ends = {tp: self._consumer.highwater(tp) for tp in self._consumer.assignment()}
        self._set_lag({tp: end for tp, end in ends.items() if end is not None})

    async def _refresh_lag_if_due(self) -> None:
        """From the broker's log ends, once per interval, so the gauge moves while idle or
        stalled (paused partitions fetch nothing, so their highwater stays put)."""
        interval = self._settings.writer_check_interval_s
        now = asyncio.get_running_loop().time()
        assignment = self._consumer.assignment()
        if now - self._lag_refreshed_at < interval or not assignment:
            return
        self._lag_refreshed_at = now
        try:
            async with asyncio.timeout(interval):
                ends = await self._consumer.end_offsets(list(assignment))
                # Nothing in hand for these yet, so the fetch position is the next to write.
                for tp in assignment - self._positions.keys():
                    self._positions[tp] = await self._consumer.position(tp)
        except (KafkaError, TimeoutError) as exc:
            # Only the gauge goes stale; the loop itself reports Kafka trouble.
            log.debug("lag not refreshed: %r", exc)
            return
        self._set_lag(ends)

    def _set_lag(self, ends: dict[TopicPartition, int]) -> None:
        for tp, end in ends.items():
            position = self._positions.get(tp)
            if position is not None:
                metrics.CONSUMER_LAG.labels(str(tp.partition)).set(max(0, end - position))
