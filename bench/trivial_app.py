"""The stage-1 baseline: a Starlette endpoint that answers 202 and does nothing else.

Served exactly as `python -m ingest_api` serves the real app (hypercorn on uvloop,
access log off, same graceful timeout, same collector tuning), so the ratio isolates
the application's own cost.
`python -m bench.trivial_app PORT [HOST] [--middleware] [--intake]`

The flags build the steps of a cost ladder between the trivial app and ingest_api:
`--middleware` adds ingest_api's two ASGI middlewares (request id, metrics); `--intake`
makes the handler do what POST /events does before Kafka (parse, validate and map the
event, build the record, echo it back) but not the Kafka send.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import sys

import uvloop
from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.core.collector import tune_for_throughput


async def post_event(request: Request) -> Response:
    # The body is read (a client sends one; reading it is part of any handler's floor).
    await request.body()
    return Response(status_code=202)


async def ready(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ready"})


async def post_event_intake(request: Request) -> Response:
    from datetime import UTC, datetime

    import orjson

    from ingest_api.intake import RejectedItem, accept_item

    result = accept_item(
        orjson.loads(await request.body()),
        request.headers.get("idempotency-key"),
        datetime.now(UTC),
    )
    if isinstance(result, RejectedItem):
        return JSONResponse({"detail": result.detail}, 422)
    return JSONResponse({"id": result.id, "event": result.record.event}, 202)


def create_app(middleware: bool = False, intake: bool = False) -> Starlette:
    stack = []
    if middleware:
        from starlette.middleware import Middleware

        from ingest_api.metrics import MetricsMiddleware
        from ingest_api.request_id import RequestIdMiddleware

        stack = [Middleware(RequestIdMiddleware), Middleware(MetricsMiddleware)]
    return Starlette(
        routes=[
            Route("/events", post_event_intake if intake else post_event, methods=["POST"]),
            Route("/health/ready", ready, methods=["GET"]),
        ],
        middleware=stack,
    )


async def _serve(host: str, port: int, middleware: bool, intake: bool) -> None:
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.graceful_timeout = 10.0
    config.accesslog = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(create_app(middleware, intake), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


def main() -> None:
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    port = int(args[0])
    host = args[1] if len(args) > 1 else "127.0.0.1"
    intake = "--intake" in flags
    if intake:
        # Imported before the collector is tuned, as ingest_api's start-up does: the
        # collector then leaves the mapping's tables alone. Without it the ladder's intake
        # step paid for collections that ingest_api does not.
        importlib.import_module("ingest_api.intake")
    tune_for_throughput()
    uvloop.run(_serve(host, port, "--middleware" in flags, intake))


if __name__ == "__main__":
    main()
