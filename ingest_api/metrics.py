"""Prometheus metrics of ingest_api. Labels stay low-cardinality: route templates, not paths."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.core.bounded_labels import BoundedLabels, top_field

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
KAFKA_SEND_FAILURES = Counter(
    "ingest_kafka_send_failures_total",
    "Requests whose Kafka send failed or timed out (their events took the direct path or got a 503)",
)
IN_FLIGHT_EVENTS = Gauge(
    "ingest_in_flight_events",
    "Events accepted but not yet durable; requests past MAX_IN_FLIGHT_EVENTS get a 429",
)
NEO4J_WRITE_SECONDS = Histogram(
    "ingest_neo4j_write_seconds",
    "Direct-path Neo4j batch write duration",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Children bound once, so the hot path skips `labels()`, and every path is exported (as 0)
# from the start: an alert on the fallback rate then has a series to watch.
EVENTS_KAFKA = EVENTS.labels("kafka")
EVENTS_DIRECT = EVENTS.labels("direct")
EVENTS_REJECTED = EVENTS.labels("rejected")
DROPPED_FIELDS = Counter(
    "ingest_dropped_fields_total",
    "Optional fields left out of accepted events because their value was unusable, "
    "by top-level field",
    ["field"],
)
BREAKER_OPEN = Gauge("ingest_kafka_breaker_open", "1 while the Kafka circuit breaker is open")
BREAKER_OPENED = Counter("ingest_kafka_breaker_opened_total", "Times the Kafka circuit opened")


# Dropped paths come from client data: past this many distinct top-level fields, the rest
# are counted as "other".
_MAX_DROPPED_FIELD_SERIES = 100
_DROPPED_BY_FIELD = BoundedLabels(DROPPED_FIELDS.labels, _MAX_DROPPED_FIELD_SERIES)


def count_dropped(path: str) -> None:
    _DROPPED_BY_FIELD.child(top_field(path)).inc()


# Methods are client-chosen text: anything else is counted as "OTHER", so a client cannot
# create series at will.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Counts and times every request by its route template (plain ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Labelled children, looked up once per (route, method, status): `labels()` takes
        # a lock and builds its key on every call, which showed up in the request cost.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

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
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            key = (template, method, status)
            series = self._series.get(key)
            if series is None:
                series = (
                    REQUESTS.labels(template, method, str(status)),
                    REQUEST_SECONDS.labels(template),
                )
                self._series[key] = series
            series[0].inc()
            series[1].observe(elapsed)
