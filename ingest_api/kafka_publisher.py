"""The Kafka path of ingest_api: an idempotent producer behind a circuit breaker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from ingest_api import metrics
from ingest_api.breaker import CircuitBreaker
from ingest_api.settings import IngestApiSettings
from shared.core.errors import BlueprintError
from shared.kafka_io.codec import EncodedRecord, record_headers
from shared.kafka_io.security import connection_kwargs
from shared.kafka_io.topics import ensure_topics

log = logging.getLogger(__name__)


class KafkaUnavailable(BlueprintError):
    """Kafka did not acknowledge in time; the outcome of the send is unknown."""


class KafkaPublisher:
    """Owns the producer. `publish` returns only once Kafka acknowledged (acks=all).

    aiokafka can wait forever on a dead broker with idempotence on (send and stop), so
    every wait here has its own deadline, and a producer that failed is replaced rather
    than trusted again.
    """

    def __init__(self, settings: IngestApiSettings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._connect_lock = asyncio.Lock()
        self.breaker = CircuitBreaker(settings.breaker_failure_threshold)

    @property
    def available(self) -> bool:
        return self._producer is not None and not self.breaker.is_open

    async def connect(self) -> bool:
        """Make sure the topic exists and a producer is started; False if Kafka is down."""
        async with self._connect_lock:
            if self._producer is not None:
                return True
            s = self._settings
            producer = AIOKafkaProducer(
                **connection_kwargs(s),
                acks="all",
                enable_idempotence=True,
                linger_ms=s.kafka_linger_ms,
                max_batch_size=s.kafka_max_batch_bytes,
                max_request_size=s.kafka_max_request_bytes,
                request_timeout_ms=s.kafka_request_timeout_ms,
            )
            try:
                async with asyncio.timeout(s.kafka_send_timeout_s):
                    await ensure_topics(s, [s.kafka_topic_input])
                    await producer.start()
                    # Warm the topic's metadata so the first request does not wait for it.
                    await producer.partitions_for(s.kafka_topic_input)
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("Kafka not reachable: %s", type(exc).__name__)
                await self._stop_producer(producer)
                self._failed()
                return False
            self._producer = producer
            self.breaker.record_success()
            metrics.BREAKER_OPEN.set(0)
            log.info("Kafka producer connected")
            return True

    async def publish(self, records: Sequence[EncodedRecord], request_id: str | None) -> None:
        producer = self._producer
        if producer is None or self.breaker.is_open:
            raise KafkaUnavailable("Kafka circuit is open")
        topic = self._settings.kafka_topic_input
        headers = record_headers(request_id)
        loop = asyncio.get_running_loop()
        started = loop.time()
        pending: list[asyncio.Future[Any]] = []
        try:
            async with asyncio.timeout(self._settings.kafka_send_timeout_s):
                # One coroutine queues the whole request, so the producer batches it and
                # one task waits per request rather than one per record. The records of a
                # batch are acknowledged together, so awaiting them in turn rarely waits
                # more than once, and costs less than asyncio.wait's callbacks.
                for r in records:
                    pending.append(
                        await producer.send(topic, value=r.value, key=r.key, headers=headers)
                    )
                for future in pending:
                    await future
        except (KafkaError, OSError, TimeoutError) as exc:
            for future in pending:
                # Outcome unknown; the caller writes directly, which is safe because graph
                # writes are idempotent if Kafka delivers these later after all.
                future.add_done_callback(_consume_outcome)
            metrics.KAFKA_SEND_FAILURES.inc()
            self._failed()
            raise KafkaUnavailable(f"Kafka send failed: {type(exc).__name__}") from exc
        metrics.KAFKA_SEND_SECONDS.observe(loop.time() - started)
        self.breaker.record_success()

    async def probe_forever(self) -> None:
        """While the breaker is open, reconnect with a fresh producer every interval."""
        interval = self._settings.breaker_probe_interval_s
        while True:
            await asyncio.sleep(interval)
            if self.available:
                continue
            stale, self._producer = self._producer, None
            if stale is not None:
                await self._stop_producer(stale)
            if await self.connect():
                log.info("Kafka is back; leaving direct-write fallback")

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await self._stop_producer(producer)

    def _failed(self) -> None:
        was_open = self.breaker.is_open
        self.breaker.record_failure()
        if self.breaker.is_open and not was_open:
            metrics.BREAKER_OPEN.set(1)
            metrics.BREAKER_OPENED.inc()
            log.warning("Kafka circuit opened; writing directly to Neo4j")

    async def _stop_producer(self, producer: AIOKafkaProducer) -> None:
        # stop() flushes first; bound it, since a dead broker can make it wait forever.
        try:
            async with asyncio.timeout(self._settings.kafka_send_timeout_s):
                await producer.stop()
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("Kafka producer did not stop cleanly: %s", type(exc).__name__)
            # Unsent records are given up (their callers were answered by the direct
            # path). stop() was cut short before it stopped the sender task, which would
            # keep reconnecting after the client is closed and leak its sockets; aiokafka
            # offers no public way to stop it (aio-libs/aiokafka issue 1101).
            sender = producer._sender
            if sender is not None:
                await sender.close()
            await producer.client.close()


def _consume_outcome(future: asyncio.Future[object]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.debug("late Kafka send failure after fallback: %r", future.exception())
