"""Liveness, readiness and per-dependency health."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from ingest_api.state import app_state
from shared.core.errors import StoreUnavailable


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    state = app_state(request)
    kafka_ok = state.publisher is not None and state.publisher.available
    neo4j_ok: bool | None = None
    if not kafka_ok and (state.publisher is None or state.settings.fallback_enabled):
        neo4j_ok = await _neo4j_ok(request)
    is_ready = kafka_ok or bool(neo4j_ok)
    body = {
        "status": "ready" if is_ready else "not_ready",
        "mode": "kafka" if state.publisher is not None else "direct",
        "kafka": kafka_ok,
        "neo4j": neo4j_ok,
    }
    return JSONResponse(body, 200 if is_ready else 503)


async def kafka_health(request: Request) -> JSONResponse:
    state = app_state(request)
    settings = state.settings
    if state.publisher is None:
        status, code = "disabled", 200
    elif state.publisher.available:
        status, code = "healthy", 200
    else:
        status, code = "unhealthy", 503
    body = {
        "status": status,
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "topic": settings.kafka_topic_input,
    }
    return JSONResponse(body, code)


async def neo4j_health(request: Request) -> JSONResponse:
    settings = app_state(request).settings
    healthy = await _neo4j_ok(request)
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "uri": _without_userinfo(settings.neo4j_uri),
        "database": settings.neo4j_database,
    }
    return JSONResponse(body, 200 if healthy else 503)


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
