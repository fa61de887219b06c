"""The Starlette application and the lifespan that owns its clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest_api import metrics, routes_events, routes_health
from ingest_api.api_keys import KeyChecker
from ingest_api.auth import ApiKeyMiddleware, AuthPolicy
from ingest_api.dispatch import EventDispatcher
from ingest_api.in_flight import InFlightLimiter
from ingest_api.kafka_publisher import KafkaPublisher
from ingest_api.metrics import MetricsMiddleware
from ingest_api.openapi import openapi_document
from ingest_api.problems import HttpProblem
from ingest_api.request_id import RequestIdMiddleware
from ingest_api.request_timeout import RequestTimeoutMiddleware
from ingest_api.settings import IngestApiSettings
from ingest_api.state import AppState
from shared.core.errors import StoreUnavailable, StoreUntrusted
from shared.neo4j_store.repository import GraphRepository, create_driver

log = logging.getLogger(__name__)


def create_app(settings: IngestApiSettings) -> Starlette:
    auth = None if settings.auth_disabled else _auth_policy(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, AppState | InFlightLimiter]]:
        if auth is None:
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
                await repository.ensure_schema()
            except StoreUntrusted:
                # Trust is configuration: waiting cannot fix it, so the service refuses to
                # start rather than sit not-ready with the reason buried in its log.
                raise
            except StoreUnavailable:
                # Kafka mode can still take events; the direct path retries the schema.
                log.warning("Neo4j unreachable at start-up")
            if publisher is not None:
                await publisher.connect()
                probe = asyncio.create_task(publisher.probe_forever(), name="kafka-probe")
            dispatcher = EventDispatcher(repository, publisher, settings.fallback_enabled)
            in_flight = InFlightLimiter(settings.max_in_flight_events)
            metrics.IN_FLIGHT_EVENTS.set_function(lambda: in_flight.in_flight)
            yield {
                "app": AppState(settings, repository, publisher, dispatcher),
                "in_flight": in_flight,
            }
        finally:
            if probe is not None:
                probe.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await probe
            if publisher is not None:
                await publisher.close()
            await driver.close()

    routes = [
        # One route per path, so a 405 lists every allowed method in its Allow header.
        Route(
            "/events",
            _by_method({"GET": routes_events.list_events, "POST": routes_events.post_event}),
            methods=["GET", "POST"],
        ),
        Route("/events/batch", routes_events.post_batch, methods=["POST"]),
        # `path`, not `str`: event ids may contain "/" (sent raw or as %2F).
        Route("/events/{event_id:path}", routes_events.get_event, methods=["GET"]),
        Route("/health", routes_health.health, methods=["GET"]),
        Route("/health/ready", routes_health.ready, methods=["GET"]),
        Route("/health/kafka", routes_health.kafka_health, methods=["GET"]),
        Route("/health/neo4j", routes_health.neo4j_health, methods=["GET"]),
        Route("/metrics", _metrics, methods=["GET"]),
        Route("/openapi.json", _json_endpoint(openapi_document(auth)), methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
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
        lifespan=lifespan,
    )


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


def _auth_policy(settings: IngestApiSettings) -> AuthPolicy:
    return AuthPolicy(
        protect_reads=settings.auth_protect_reads, protect_metrics=settings.auth_protect_metrics
    )


def _by_method(
    handlers: dict[str, Callable[[Request], Awaitable[Response]]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # Starlette serves HEAD through the GET handler and drops the body.
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return endpoint


def _json_endpoint(document: dict[str, Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return JSONResponse(document)

    return endpoint


async def _metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
