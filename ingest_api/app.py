"""The Starlette application and the lifespan that owns its clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from ingest_api import metrics
from ingest_api.api_keys import KeyChecker
from ingest_api.auth import ApiKeyMiddleware
from ingest_api.dispatch import EventDispatcher
from ingest_api.in_flight import InFlightLimiter
from ingest_api.kafka_publisher import KafkaPublisher
from ingest_api.metrics import MetricsMiddleware
from ingest_api.openapi import openapi_document
from ingest_api.problems import HttpProblem
from ingest_api.request_id import RequestIdMiddleware
from ingest_api.request_timeout import RequestTimeoutMiddleware
from ingest_api.routes import OPERATIONS, auth_policy, starlette_routes
from ingest_api.settings import IngestApiSettings
from ingest_api.state import AppState
from shared.core.errors import StoreUnavailable, StoreUntrusted
from shared.neo4j_store.driver import create_driver
from shared.neo4j_store.repository import GraphRepository

log = logging.getLogger(__name__)


def create_app(settings: IngestApiSettings) -> Starlette:
    auth = (
        None
        if settings.auth_disabled
        else auth_policy(settings.auth_protect_reads, settings.auth_protect_metrics)
    )
    return Starlette(
        routes=starlette_routes(),
        middleware=[
            Middleware(RequestIdMiddleware),
            *([Middleware(MetricsMiddleware)] if settings.metrics_enabled else []),
            *(
                [Middleware(ApiKeyMiddleware, KeyChecker(settings.api_keys), auth)]
                if auth is not None
                else []
            ),
            Middleware(
                RequestTimeoutMiddleware, settings.request_timeout_s, settings.retry_after_s
            ),
        ],
        exception_handlers={
            HttpProblem: _problem_response,
            StoreUnavailable: _store_unavailable(settings.retry_after_s),
        },
        lifespan=_lifespan(settings, openapi_document(OPERATIONS, auth)),
    )


def _lifespan(
    settings: IngestApiSettings, document: dict[str, Any]
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[dict[str, object]]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, object]]:
        if settings.auth_disabled:
            log.warning(
                "authentication is disabled (AUTH_DISABLED=true): anyone who reaches "
                "the port can write and read events"
            )
        driver = create_driver(settings)
        publisher = KafkaPublisher(settings) if settings.use_kafka else None
        probe: asyncio.Task[None] | None = None
        try:
            repository = GraphRepository(driver, settings.neo4j_database)
            try:
                # The driver bounds only the TCP connect by it: a server that takes the
                # connection and never answers would hold start-up for the driver's 60 s
                # acquisition deadline, and in Kafka mode nothing here needs Neo4j yet.
                async with asyncio.timeout(settings.neo4j_connect_timeout_s):
                    await repository.ensure_schema()
            except StoreUntrusted:
                # Trust is configuration: waiting cannot fix it, so the service refuses to
                # start rather than sit not-ready with the reason buried in its log.
                raise
            except (StoreUnavailable, TimeoutError) as exc:
                # The direct path retries the schema. With Kafka, events are still taken
                # and a Neo4j still starting is no news; without Kafka, nothing is.
                level = logging.INFO if settings.use_kafka else logging.WARNING
                why = exc if isinstance(exc, StoreUnavailable) else "no answer in time"
                log.log(level, "waiting for Neo4j (the direct path retries it): %s", why)
            if publisher is not None:
                await publisher.connect()
                probe = asyncio.create_task(publisher.probe_forever(), name="kafka-probe")
            dispatcher = EventDispatcher(
                repository,
                publisher,
                settings.fallback_enabled,
                settings.duplicate_lookup_timeout_s,
            )
            in_flight = InFlightLimiter(settings.max_in_flight_events)
            metrics.IN_FLIGHT_EVENTS.set_function(lambda: in_flight.in_flight)
            yield {
                "app": AppState(settings, repository, publisher, dispatcher),
                "in_flight": in_flight,
                "openapi": document,
            }
        finally:
            if probe is not None:
                probe.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await probe
            if publisher is not None:
                await publisher.close()
            await driver.close()

    return lifespan


async def _problem_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpProblem)
    return exc.response()


def _store_unavailable(retry_after_s: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    # Reads go to Neo4j directly (writes turn an outage into their own 503 in dispatch).
    async def handler(request: Request, exc: Exception) -> Response:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        return HttpProblem(
            503,
            "unavailable",
            "the event store is unavailable; retry later",
            headers={"Retry-After": str(retry_after_s)},
        ).response()

    return handler
