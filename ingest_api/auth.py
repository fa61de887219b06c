"""API-key authentication as plain ASGI middleware, in front of routing.

Everything needs a key except what `AuthPolicy` opens: an unknown path gets 401, not
404, so a caller without a key learns nothing about which paths exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest_api.api_keys import KeyChecker

log = logging.getLogger(__name__)

# Probes come from the orchestrator, which holds no key; the schema is public by design.
OPEN_PATHS: Final = frozenset(
    {"/health", "/health/ready", "/health/kafka", "/health/neo4j", "/openapi.json"}
)
READ_METHODS: Final = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    protect_reads: bool = True
    protect_metrics: bool = True

    def requires_key(self, method: str, path: str) -> bool:
        if path in OPEN_PATHS:
            return False
        if path == "/metrics":
            return self.protect_metrics
        if method in READ_METHODS and (path == "/events" or path.startswith("/events/")):
            return self.protect_reads
        return True


def presented_keys(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    """The keys a request offers: `Authorization: Bearer <key>` and `X-API-Key: <key>`."""
    found = []
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                found.append(token.strip())
        elif name == b"x-api-key" and value.strip():
            found.append(value.strip())
    # A handful is plenty for a real client; more would only buy an attacker hashing work.
    return found[:2]


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, checker: KeyChecker, policy: AuthPolicy) -> None:
        self.app = app
        self._checker = checker
        self._policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._policy.requires_key(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        # Check every offered key (no early exit), so timing does not tell which one was good.
        results = [self._checker.matches(key) for key in presented_keys(scope["headers"])]
        if any(results):
            await self.app(scope, receive, send)
            return
        log.debug(
            "rejected %s %s: no valid API key",
            scope["method"],
            scope["path"],
            extra={"request_id": scope.get("state", {}).get("request_id")},
        )
        response = JSONResponse(
            {"error": "unauthorized", "message": "missing or invalid API key"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)
