"""Reading request bodies: content type, size limit, JSON and NDJSON parsing."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from ingest_api.problems import HttpProblem

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_media_type(request: Request, allowed: frozenset[str]) -> str:
    kind = media_type(request)
    if kind not in allowed:
        raise HttpProblem(
            415,
            "unsupported_media_type",
            f"Content-Type must be one of: {', '.join(sorted(allowed))}",
        )
    return kind


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HttpProblem(400, "malformed_json", f"body is not valid JSON: {exc}") from None


def split_ndjson(body: bytes) -> list[bytes]:
    return [line for line in body.splitlines() if line.strip()]


def _too_large(limit: int) -> HttpProblem:
    return HttpProblem(413, "payload_too_large", f"body exceeds the limit of {limit} bytes")
