"""Liveness, readiness and per-dependency health."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request

from ingest_api.json_response import ModelResponse
from ingest_api.schemas import KafkaHealth, Liveness, Neo4jHealth, Readiness
from ingest_api.state import app_state
from shared.core.errors import StoreUnavailable


async def health(request: Request) -> ModelResponse:
    return ModelResponse(Liveness(status="ok"))


async def ready(request: Request) -> ModelResponse:
    state = app_state(request)
    kafka_ok = state.publisher is not None and state.publisher.available
    neo4j_ok: bool | None = None
    if not kafka_ok and (state.publisher is None or state.settings.fallback_enabled):
        neo4j_ok = await _neo4j_ok(request)
    is_ready = kafka_ok or bool(neo4j_ok)
    body = Readiness(
        status="ready" if is_ready else "not_ready",
        mode="kafka" if state.publisher is not None else "direct",
        kafka=kafka_ok,
        neo4j=neo4j_ok,
    )
    return ModelResponse(body, 200 if is_ready else 503)


async def kafka_health(request: Request) -> ModelResponse:
    state = app_state(request)
    settings = state.settings
    status: Literal["healthy", "unhealthy", "disabled"] = "disabled"
    if state.publisher is not None:
        status = "healthy" if state.publisher.available else "unhealthy"
    body = KafkaHealth(
        status=status,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic=settings.kafka_topic_input,
    )
    return ModelResponse(body, 503 if status == "unhealthy" else 200)


async def neo4j_health(request: Request) -> ModelResponse:
    settings = app_state(request).settings
    healthy = await _neo4j_ok(request)
    body = Neo4jHealth(
        status="healthy" if healthy else "unhealthy",
        uri=_without_userinfo(settings.neo4j_uri),
        database=settings.neo4j_database,
    )
    return ModelResponse(body, 200 if healthy else 503)


async def _neo4j_ok(request: Request) -> bool:
    try:
        await app_state(request).repository.ping()
    except StoreUnavailable:
        return False
    return True


def _without_userinfo(uri: str) -> str:
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
