"""Start-up, run and graceful shutdown of graph_writer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from hypercorn.asyncio import serve
from hypercorn.config import Config

from graph_writer import metrics
from graph_writer.client_close import close_within
from graph_writer.consume_loop import ConsumeLoop
from graph_writer.dead_letters import DeadLetterPublisher
from graph_writer.health_server import create_health_app
from graph_writer.readiness import WriterStatus
from graph_writer.settings import GraphWriterSettings
from shared.core.errors import StoreUnavailable, StoreUntrusted
from shared.kafka_io.security import connection_kwargs
from shared.kafka_io.topics import TopicSetupError, ensure_topics
from shared.neo4j_store.driver import create_driver
from shared.neo4j_store.repository import GraphRepository

log = logging.getLogger(__name__)

T = TypeVar("T")


async def run_service(settings: GraphWriterSettings) -> int:
    """Run until SIGTERM/SIGINT; return the process exit code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    status = WriterStatus()
    # Read at scrape time, so the gauge can never disagree with /health/ready.
    metrics.READY.set_function(lambda: float(status.ready))
    health_stop = asyncio.Event()
    health = asyncio.create_task(_serve_health(settings, status, health_stop), name="health")
    driver = create_driver(settings)
    try:
        repository = GraphRepository(driver, settings.neo4j_database)
        if await _until_ok("Neo4j", lambda: _schema(repository, status), settings, stop) is None:
            return 0
        try:
            if await _until_ok("Kafka topics", lambda: _topics(settings), settings, stop) is None:
                return 0
        except TopicSetupError:
            # A configuration the broker refuses (logged by ensure_topics): retrying
            # cannot help, so stop visibly.
            log.error("cannot run without the topics; exiting with code 2")
            return 2
        started = await _until_ok(
            "Kafka", lambda: _start_kafka_clients(settings, repository, status), settings, stop
        )
        if started is None:
            return 0
        return await _consume(settings, *started, stop)
    finally:
        health_stop.set()
        await health
        await driver.close()


async def _start_kafka_clients(
    settings: GraphWriterSettings, repository: GraphRepository, status: WriterStatus
) -> tuple[AIOKafkaConsumer, AIOKafkaProducer, ConsumeLoop]:
    """Start the consumer and the dead-letter producer, or close both and raise.

    Fresh clients on every attempt: one whose start() failed is closed, never reused.
    """
    consumer = AIOKafkaConsumer(
        **connection_kwargs(settings),
        group_id=settings.kafka_consumer_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.writer_batch_size,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        request_timeout_ms=settings.kafka_request_timeout_ms + 5_000,
    )
    dlq_producer = AIOKafkaProducer(
        **connection_kwargs(settings), acks="all", enable_idempotence=True
    )
    dead_letters = DeadLetterPublisher(
        dlq_producer, settings.kafka_dlq_topic, settings.kafka_request_timeout_ms / 1000
    )
    consume_loop = ConsumeLoop(settings, consumer, repository, dead_letters, status)
    # Subscribed before start(), which then waits for the topic's metadata: subscribed
    # after, the first assignment can come out empty for a topic created moments ago.
    consumer.subscribe([settings.kafka_topic_input], listener=consume_loop.listener())
    try:
        await consumer.start()
        await dlq_producer.start()
    except BaseException:
        deadline = asyncio.get_running_loop().time() + settings.kafka_request_timeout_ms / 1000
        await close_within(dlq_producer.stop(), deadline)
        await close_within(consumer.stop(), deadline)
        raise
    return consumer, dlq_producer, consume_loop


async def _consume(
    settings: GraphWriterSettings,
    consumer: AIOKafkaConsumer,
    dlq_producer: AIOKafkaProducer,
    consume_loop: ConsumeLoop,
    stop: asyncio.Event,
) -> int:
    loop = asyncio.get_running_loop()
    # One budget covers finishing the batch, committing and leaving the group, so the
    # process is gone before the orchestrator's grace period runs out.
    deadline = loop.time() + settings.writer_shutdown_timeout_s
    try:
        runner = asyncio.create_task(consume_loop.run(stop), name="consume-loop")
        stopped = asyncio.create_task(stop.wait(), name="stop-signal")
        await asyncio.wait({runner, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        begun = loop.time()
        deadline = begun + settings.writer_shutdown_timeout_s
        log.info("shutting down: finishing the batch in hand")
        try:
            async with asyncio.timeout_at(deadline):
                await runner
        except TimeoutError:
            # Uncommitted records are re-read by the next owner; writes are idempotent.
            log.error("shutdown timeout: the batch in hand was abandoned uncommitted")
            return 1
        finally:
            metrics.SHUTDOWN_SECONDS.set(loop.time() - begun)
        return 0
    finally:
        # Leaving the group lets the others take our partitions without a session timeout.
        try:
            await close_within(consumer.stop(), deadline)
        finally:
            await close_within(dlq_producer.stop(), deadline)


async def _schema(repository: GraphRepository, status: WriterStatus) -> GraphRepository:
    await repository.ensure_schema()
    status.neo4j_ok = True
    return repository


async def _topics(settings: GraphWriterSettings) -> list[str]:
    names = [settings.kafka_topic_input, settings.kafka_dlq_topic]
    await ensure_topics(settings, names)
    return names


async def _until_ok(
    what: str,
    step: Callable[[], Awaitable[T]],
    settings: GraphWriterSettings,
    stop: asyncio.Event,
) -> T | None:
    """Retry a start-up step with backoff until it succeeds, or None once we are stopped.

    A stop also cuts short the attempt in progress: a client start can wait on a broker
    for as long as its request timeout. A dependency still starting next to us is normal:
    the first failure says "waiting for" at INFO and the retries are quiet, until
    WRITER_STARTUP_PATIENCE_S has passed; then it is an outage, logged at ERROR once.
    """
    backoff = settings.writer_backoff_initial_s
    loop = asyncio.get_running_loop()
    began = loop.time()
    failures = 0
    loud = False
    while not stop.is_set():
        attempt = asyncio.ensure_future(step())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({attempt, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not attempt.done():
            attempt.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await attempt
            return None
        try:
            result = attempt.result()
        except (StoreUntrusted, TopicSetupError):
            # Configuration, not an outage: no amount of waiting fixes either.
            raise
        except (StoreUnavailable, KafkaError, OSError) as exc:
            failures += 1
            waited = loop.time() - began
            if failures == 1:
                log.info("waiting for %s: %s", what, exc)
            elif not loud and waited >= settings.writer_startup_patience_s:
                loud = True
                log.error(
                    "%s still unavailable after %.0fs, retrying every %.1fs at most: %s",
                    what, waited, settings.writer_backoff_max_s, exc,
                )  # fmt: skip
            else:
                log.debug("%s not available yet, retrying in %.1fs: %s", what, backoff, exc)
        else:
            if failures:
                log.info("%s available after %.1fs", what, loop.time() - began)
            return result
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(backoff):
                await stop.wait()
        backoff = min(backoff * 2, settings.writer_backoff_max_s)
    return None


async def _serve_health(
    settings: GraphWriterSettings, status: WriterStatus, stop: asyncio.Event
) -> None:
    config = Config()
    config.bind = [f"{settings.graph_writer_health_host}:{settings.graph_writer_health_port}"]
    config.accesslog = None
    # Through the service's own log handler only: hypercorn's default adds a handler of its
    # own and the logger still propagates, so every line ("Running on ...") came twice.
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 1.0
    await serve(create_health_app(status), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
