"""The route table: each operation once, feeding Starlette's routes, the auth policy and
the OpenAPI document, so the three cannot disagree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ingest_api import routes_events, routes_health, routes_meta
from ingest_api.auth import Access, AuthPolicy
from ingest_api.schemas import (
    BatchAnswer,
    EventOut,
    EventPage,
    EventPreview,
    EventQuery,
    IngestHeaders,
    KafkaHealth,
    Liveness,
    Neo4jHealth,
    Problem,
    Readiness,
    StoredEvent,
)
from shared.mapping.envelope import Envelope

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Body:
    description: str
    # A Python type (a model, a union, list[...]); None for a body that is plain text.
    type: Any = None
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    access: Access
    responses: Mapping[int, Body]
    request: Mapping[str, Any] = field(default_factory=dict)  # media type -> Python type
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    in_schema: bool = True


_ERROR_TEXT = {
    400: "Malformed JSON",
    404: "Not found",
    413: "Body or batch too large",
    415: "Wrong content type",
    422: "Invalid event or query (detail gives the field path)",
    429: "Too many events waiting to be stored; nothing was written, see Retry-After",
    503: "Not stored (Kafka and Neo4j unavailable) or timed out; see Retry-After",
}


def _errors(*codes: int) -> dict[int, Body]:
    return {code: Body(_ERROR_TEXT[code], Problem) for code in codes}


def _stored(model: Any) -> dict[int, Body]:
    return {
        201: Body("Written directly to Neo4j (direct mode or fallback)", model),
        202: Body("Acknowledged by Kafka (acks=all)", model),
    }


def _health(model: type[BaseModel], summary: str) -> dict[int, Body]:
    return {200: Body(summary, model), 503: Body("Unhealthy", model)}


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST", "/events", routes_events.post_event, "Ingest one event", "write",
        {**_stored(StoredEvent), **_errors(400, 413, 415, 422, 429, 503)},
        request={"application/json": Envelope}, headers=IngestHeaders,
    ),
    Operation(
        "GET", "/events", routes_events.list_events, "List stored events, newest first", "read",
        {200: Body("A page of events", EventPage), **_errors(422, 503)}, query=EventQuery,
    ),
    Operation(
        "POST", "/events/batch", routes_events.post_batch,
        "Ingest many events (JSON array or NDJSON), with per-item results", "write",
        {
            **_stored(BatchAnswer),
            422: Body(
                "No item was stored (per-item results), or the body is not a batch",
                BatchAnswer | Problem,
            ),
            **_errors(400, 413, 415, 429, 503),
        },
        request={"application/json": list[Envelope], "application/x-ndjson": str},
        headers=IngestHeaders,
    ),
    Operation(
        "POST", "/events/preview", routes_events.preview_event,
        "The graph one event would become, and its dropped fields; nothing is stored or sent",
        "write",
        {
            200: Body("The Event's properties, its entities and associations", EventPreview),
            **_errors(400, 413, 415, 422),
        },
        request={"application/json": Envelope}, headers=IngestHeaders,
    ),
    # `path`, not `str`: event ids may contain "/" (sent raw or as %2F).
    Operation(
        "GET", "/events/{event_id:path}", routes_events.get_event,
        "One event with its linked entities", "read",
        {200: Body("The event", EventOut), **_errors(404, 503)},
    ),
    Operation(
        "GET", "/health", routes_health.health, "Liveness", "public",
        {200: Body("Alive", Liveness)},
    ),
    Operation(
        "GET", "/health/ready", routes_health.ready, "Able to accept writes", "public",
        _health(Readiness, "Ready"),
    ),
    Operation(
        "GET", "/health/kafka", routes_health.kafka_health, "Kafka producer state", "public",
        _health(KafkaHealth, "Healthy or disabled"),
    ),
    Operation(
        "GET", "/health/neo4j", routes_health.neo4j_health, "Neo4j connectivity", "public",
        _health(Neo4jHealth, "Healthy"),
    ),
    Operation(
        "GET", "/metrics", routes_meta.metrics, "Prometheus metrics", "metrics",
        {200: Body("Prometheus text format", media_type="text/plain")},
    ),
    Operation(
        "GET", "/openapi.json", routes_meta.openapi_json, "This document", "public",
        {200: Body("OpenAPI 3.1")}, in_schema=False,
    ),
    Operation(
        "GET", "/docs", routes_meta.docs_page, "Interactive API page", "public",
        {200: Body("HTML", media_type="text/html")}, in_schema=False,
    ),
    *(
        Operation(
            "GET", path, routes_meta.docs_asset(name), "Swagger UI asset", "public",
            {200: Body("Swagger UI file")}, in_schema=False,
        )
        for path, name in routes_meta.DOCS_ASSETS.items()
    ),
)  # fmt: skip


def auth_policy(
    protect_reads: bool, protect_metrics: bool, operations: tuple[Operation, ...] = OPERATIONS
) -> AuthPolicy:
    return AuthPolicy(
        ((op.method, op.path, op.access) for op in operations),
        protect_reads=protect_reads,
        protect_metrics=protect_metrics,
    )


def starlette_routes(operations: tuple[Operation, ...] = OPERATIONS) -> list[Route]:
    """One Route per path, in table order, so a 405 lists every allowed method."""
    by_path: dict[str, dict[str, Handler]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op.handler
    return [
        Route(path, _by_method(handlers), methods=list(handlers))
        for path, handlers in by_path.items()
    ]


def _by_method(handlers: dict[str, Handler]) -> Handler:
    if len(handlers) == 1:
        return next(iter(handlers.values()))

    async def endpoint(request: Request) -> Response:
        # Starlette serves HEAD through the GET handler and drops the body.
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return endpoint
