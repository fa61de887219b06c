"""A deadline for every request, as plain ASGI middleware.

Each internal wait already has its own bound (Kafka send, Neo4j retries); this one
covers what they do not, such as a client trickling its body in, and caps the sum.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class RequestTimeoutMiddleware:
    def __init__(self, app: ASGIApp, timeout_s: float, retry_after_s: int) -> None:
        self.app = app
        self._timeout_s = timeout_s
        self._retry_after = str(retry_after_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self._timeout_s):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            log.warning(
                "request timed out after %.1fs",
                self._timeout_s,
                extra={"request_id": scope.get("state", {}).get("request_id")},
            )
            if started:
                # Too late for a status; cutting the connection tells the client it failed.
                raise
            response = JSONResponse(
                {
                    "error": "timeout",
                    "message": "the request took too long; whether the events were stored "
                    "is unknown: retry with the same event id or Idempotency-Key",
                },
                status_code=503,
                headers={"Retry-After": self._retry_after},
            )
            await response(scope, receive, send)
