"""API-key authentication as plain ASGI middleware, in front of routing.

Everything needs a key except what `AuthPolicy` opens: an unknown path gets 401, not
404, so a caller without a key learns nothing about which paths exist.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Literal

from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest_api.api_keys import KeyChecker
from ingest_api.problems import HttpProblem

log = logging.getLogger(__name__)

# public: never a key (probes come from the orchestrator, which holds none; the API
# document is public by design). read, metrics: a key unless opened by configuration.
# write: always a key.
Access = Literal["public", "read", "metrics", "write"]


class AuthPolicy:
    """Which requests need a key, from the access level of each (method, path) of the route
    table. A request no operation matches (unknown path or method) needs a key."""

    def __init__(
        self,
        operations: Iterable[tuple[str, str, Access]],
        *,
        protect_reads: bool = True,
        protect_metrics: bool = True,
    ) -> None:
        self._protect_reads = protect_reads
        self._protect_metrics = protect_metrics
        self._exact: dict[tuple[str, str], bool] = {}
        self._patterns: list[tuple[str, re.Pattern[str], bool]] = []
        for method, path, access in operations:
            needs = self.needs_key(access)
            regex, _, converters = compile_path(path)
            # Starlette answers HEAD with the GET handler.
            for each in (method, "HEAD") if method == "GET" else (method,):
                if converters:
                    self._patterns.append((each, regex, needs))
                else:
                    self._exact[(each, path)] = needs

    def needs_key(self, access: Access) -> bool:
        if access == "read":
            return self._protect_reads
        if access == "metrics":
            return self._protect_metrics
        return access != "public"

    def requires_key(self, method: str, path: str) -> bool:
        needs = self._exact.get((method, path))
        if needs is not None:
            return needs
        for each, regex, needs in self._patterns:
            if each == method and regex.match(path):
                return needs
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
        response = HttpProblem(
            401,
            "unauthorized",
            "missing or invalid API key",
            headers={"WWW-Authenticate": "Bearer"},
        ).response()
        await response(scope, receive, send)
