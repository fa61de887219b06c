"""The consumer-lag gauge: per partition, records between the next one to write and the log end.

The positions are pure bookkeeping; the log ends come either free from the last fetch
(`report`) or from the broker once per interval (`refresh_if_due`), so the gauge keeps
moving while the writer is idle or stalled.
"""

from __future__ import annotations

import logging
from asyncio import timeout
from collections.abc import Callable, Iterable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from graph_writer import metrics
from graph_writer.offsets import first_offsets

log = logging.getLogger(__name__)


class LagTracker:
    def __init__(self, interval_s: float, clock: Callable[[], float]) -> None:
        self._interval_s = interval_s
        self._clock = clock
        self._refreshed_at = clock()
        # Next offset to write per partition; records in hand count as not written.
        self.positions: dict[TopicPartition, int] = {}

    def fetched(self, records: Iterable[ConsumerRecord]) -> None:
        """Lag becomes visible from the first batch, even if that one never gets written."""
        for tp, offset in first_offsets(records).items():
            self.positions.setdefault(tp, offset)

    def written(self, done: Mapping[TopicPartition, int], assigned: set[TopicPartition]) -> None:
        # Not for partitions revoked meanwhile: their next owner may be further on.
        self.positions.update({tp: o for tp, o in done.items() if tp in assigned})

    def forget(self, revoked: Iterable[TopicPartition]) -> None:
        """Drop partitions now owned elsewhere, gauge included, or its last value lingers."""
        for tp in revoked:
            self.positions.pop(tp, None)
            # A no-op for a partition that never got a value (prometheus-client >= 0.22).
            metrics.CONSUMER_LAG.remove(str(tp.partition))

    def lags(self, ends: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Records behind each log end, for the partitions with a known position. Pure."""
        return {
            tp: max(0, end - self.positions[tp]) for tp, end in ends.items() if tp in self.positions
        }

    def publish(self, ends: Mapping[TopicPartition, int]) -> None:
        for tp, lag in self.lags(ends).items():
            metrics.CONSUMER_LAG.labels(str(tp.partition)).set(lag)

    def report(self, consumer: AIOKafkaConsumer) -> None:
        """From the log ends the last fetch saw: free, but stale while nothing is fetched."""
        ends = {tp: consumer.highwater(tp) for tp in consumer.assignment()}
        self.publish({tp: end for tp, end in ends.items() if end is not None})

    def refresh_due(self, now: float, assigned: set[TopicPartition]) -> bool:
        return bool(assigned) and now - self._refreshed_at >= self._interval_s

    async def refresh_if_due(self, consumer: AIOKafkaConsumer) -> None:
        """From the broker's log ends, once per interval (paused partitions fetch nothing,
        so their highwater stays put)."""
        now = self._clock()
        assignment: set[TopicPartition] = consumer.assignment()
        if not self.refresh_due(now, assignment):
            return
        self._refreshed_at = now
        try:
            async with timeout(self._interval_s):
                ends = await consumer.end_offsets(list(assignment))
                # Nothing in hand for these yet, so the fetch position is the next to write.
                for tp in assignment - self.positions.keys():
                    self.positions[tp] = await consumer.position(tp)
        except (KafkaError, TimeoutError) as exc:
            # Only the gauge goes stale; the loop itself reports Kafka trouble.
            log.debug("lag not refreshed: %r", exc)
            return
        self.publish(ends)
