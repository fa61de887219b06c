"""The consume-write-commit loop: offsets are committed only after Neo4j committed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from graph_writer import metrics, record_log
from graph_writer.batch import Batch, Item, Record, prepare
from graph_writer.dead_letters import DeadLetterPublisher
from graph_writer.fetch import gather_batch
from graph_writer.lag import LagTracker
from graph_writer.offsets import next_offsets
from graph_writer.readiness import Neo4jWatch, WriterStatus
from graph_writer.settings import GraphWriterSettings
from graph_writer.window import InFlight, InFlightWindow
from shared.core.errors import StoreUnavailable
from shared.neo4j_store.reject_isolation import Isolated, write_isolating_rejects
from shared.neo4j_store.repository import GraphRepository, WriteResult

log = logging.getLogger(__name__)

Written = Isolated[Item]


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
        clock = asyncio.get_running_loop().time
        interval = settings.writer_check_interval_s
        self._neo4j = Neo4jWatch(status, repository.ping, interval, clock)
        self._lag = LagTracker(interval, clock)

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
        window: InFlightWindow[Batch, Written] = InFlightWindow(
            self._settings.writer_batches_in_flight
        )
        store_idle = self._store_idle(window)
        try:
            while not stop.is_set():
                if window.has_room():
                    wait_ms = 0 if window else self._settings.writer_batch_wait_ms
                    batch = await self._fetch(wait_ms, store_idle)
                    if batch is not None:
                        window.start(batch, self._store(batch))
                        continue
                if window and not await self._finish(window.oldest(), stop):
                    return
                await self._neo4j.ping_if_idle()
                await self._lag.refresh_if_due(self._consumer)
            while window:
                if not await self._finish(window.oldest(), stop):
                    return
        finally:
            self.status.consuming = False
            # Only left over when stopped mid-retry or on an error: never committed, so
            # the group reads these records again.
            await window.cancel()

    def _store_idle(self, window: InFlightWindow[Batch, Written]) -> Callable[[], bool]:
        """When the linger may end early: when no batch is being written (unless told to
        linger always)."""
        if self._settings.writer_linger_when_idle:
            return lambda: False
        return lambda: not window.writing()

    async def _fetch(self, timeout_ms: int, store_idle: Callable[[], bool]) -> Batch | None:
        s = self._settings
        records = await gather_batch(
            self._getmany,
            s.writer_batch_size,
            timeout_ms,
            s.writer_batch_linger_ms / 1000,
            asyncio.get_running_loop().time,
            store_idle,
        )
        if not records:
            return None
        metrics.RECORDS_CONSUMED.inc(len(records))
        metrics.BATCH_SIZE.observe(len(records))
        self._lag.fetched(records)
        return await prepare(records)

    async def _getmany(self, timeout_ms: int, max_records: int) -> list[Record]:
        # One call may span partitions; their order within the batch does not matter.
        batches = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return [r for partition in batches.values() for r in partition]

    async def _store(self, batch: Batch) -> Written:
        """Write the batch, splitting it around records Neo4j rejects, and dead-letter those.

        StoreUnavailable passes through untouched: the whole batch is retried, since an
        outage says nothing about any one record.
        """

        async def write(part: Sequence[Item]) -> WriteResult:
            with metrics.WRITE_SECONDS.time():
                return await self._repository.write_events([i.event for i in part])

        written = await write_isolating_rejects(
            batch.items,
            write,
            single_attempts=self._settings.writer_record_attempts,
            on_split=metrics.BATCH_SPLITS.inc,
        )
        for item, error in written.rejected:
            log.warning("record rejected by Neo4j: %s", error, extra={"event_id": item.event.id})
        await self._dead_letters.publish(batch.dead(written))
        return written

    async def _finish(self, entry: InFlight[Batch, Written], stop: asyncio.Event) -> bool:
        """Wait for the oldest batch (retrying it if need be) and commit it; False if stopped."""
        batch = entry.batch
        written = await self._store_until_done(batch, entry.task, stop)
        if written is None:
            return False
        log.info(
            "batch written",
            extra=record_log.batch_fields(
                batch.records,
                time.perf_counter() - entry.started,
                written.created,
                written.already_present,
                len(written.rejected),
            ),
        )
        done = next_offsets(batch.records)
        self._written.update(done)
        self._lag.written(done, self._consumer.assignment())
        await self.commit_written(None)
        _observe_freshness(batch.written_items(written))
        self._lag.report(self._consumer)
        return True

    async def _store_until_done(
        self, batch: Batch, first_try: Awaitable[Written], stop: asyncio.Event
    ) -> Written | None:
        """Write (or dead-letter) every record; None if stopped before that was done."""
        backoff = self._settings.writer_backoff_initial_s
        attempt = first_try
        while True:
            try:
                written = await attempt
            except (StoreUnavailable, KafkaError, TimeoutError) as exc:
                self._neo4j.write_failed(exc)
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
        self._neo4j.write_succeeded()
        metrics.EVENTS_WRITTEN.inc(written.created)
        metrics.EVENTS_DUPLICATE.inc(written.already_present)
        for item in batch.written_items(written):
            for dropped in item.event.dropped:
                metrics.count_dropped(dropped.path)
        _log_records(batch, written)
        return written

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
        self._lag.forget(revoked)
        for tp in revoked:
            metrics.COMMITTED_OFFSET.remove(str(tp.partition))

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
            await self._lag.refresh_if_due(self._consumer)

    def _resume(self) -> None:
        paused = self._consumer.paused()
        if paused:
            self._consumer.resume(*paused)


def _observe_freshness(items: list[Item]) -> None:
    """How old each event is once committed: end-to-end latency from the API's receipt,
    as one clock sees it (clocks of the API's and the writer's hosts must agree)."""
    now = time.time()
    for item in items:
        metrics.FRESHNESS.observe(now - item.event.received_at.timestamp())


def _log_records(batch: Batch, written: Written) -> None:
    dead = batch.dead(written)
    for record, _reason in dead:
        # The reason travels in the dead letter's dlq-error header, not in the log.
        log.warning("record dead-lettered", extra=record_log.dead_letter_fields(record))
    if not log.isEnabledFor(logging.DEBUG):
        return
    rejected = {id(record) for record, _ in dead}
    for item in batch.items:
        if id(item.source) not in rejected:
            log.debug("event written", extra=record_log.event_fields(item.event.id, item.source))
