"""Prometheus metrics of ingest_api. Labels stay low-cardinality: route templates, not paths."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "ingest_requests_total",
    "HTTP requests by route template and status",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "ingest_request_seconds",
    "HTTP request duration by route template",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS = Counter(
    "ingest_events_total",
    "Events by outcome: kafka, direct (fallback or direct mode), rejected",
    ["path"],
)
KAFKA_SEND_SECONDS = Histogram(
    "ingest_kafka_send_seconds",
    "From the first send of a request to Kafka's acknowledgement of all its records",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
NEO4J_WRITE_SECONDS = Histogram(
    "ingest_neo4j_write_seconds",
    "Direct-path Neo4j batch write duration",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BREAKER_OPEN = Gauge("ingest_kafka_breaker_open", "1 while the Kafka circuit breaker is open")
BREAKER_OPENED = Counter("ingest_kafka_breaker_opened_total", "Times the Kafka circuit opened")


class MetricsMiddleware:
    """Counts and times every request by its route template (plain ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(template, scope["method"], str(status)).inc()
            REQUEST_SECONDS.labels(template).observe(time.perf_counter() - started)
