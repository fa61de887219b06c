"""The writer's small HTTP server for Kubernetes probes and Prometheus."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_writer.readiness import WriterStatus


def create_health_app(status: WriterStatus) -> Starlette:
    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> JSONResponse:
        body = {
            "status": "ready" if status.ready else "not_ready",
            "consuming": status.consuming,
            "neo4j": status.neo4j_ok,
            "partitions": sorted(tp.partition for tp in status.assigned),
        }
        return JSONResponse(body, 200 if status.ready else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/health/ready", ready, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )
