"""Which requests need a key, how a key is read from the headers, and the 401 itself."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ingest_api.api_keys import KeyChecker
from ingest_api.app import create_app
from ingest_api.auth import ApiKeyMiddleware, presented_keys
from ingest_api.routes import OPERATIONS, auth_policy
from ingest_api.settings import IngestApiSettings

KEY = "k" * 32


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/health", False),
        ("GET", "/health/ready", False),
        ("GET", "/health/kafka", False),
        ("GET", "/health/neo4j", False),
        ("GET", "/openapi.json", False),
        ("GET", "/docs", False),
        ("GET", "/docs/swagger-ui.css", False),
        ("GET", "/docs/swagger-ui-bundle.js", False),
        ("GET", "/docs/index.html", True),
        ("HEAD", "/health", False),
        ("GET", "/events/batch", True),
        ("POST", "/health", True),
        ("POST", "/events", True),
        ("POST", "/events/batch", True),
        ("GET", "/events", True),
        ("HEAD", "/events/abc", True),
        ("GET", "/metrics", True),
        ("GET", "/nowhere", True),
        ("GET", "/health/", True),
        ("DELETE", "/events/abc", True),
    ],
)
def test_default_policy(method: str, path: str, expected: bool) -> None:
    assert auth_policy(True, True).requires_key(method, path) is expected


def test_reads_and_metrics_can_be_opened_but_writes_cannot() -> None:
    policy = auth_policy(protect_reads=False, protect_metrics=False)
    assert not policy.requires_key("GET", "/events")
    assert not policy.requires_key("GET", "/events/x")
    assert not policy.requires_key("GET", "/metrics")
    assert policy.requires_key("POST", "/events")
    assert policy.requires_key("POST", "/events/batch")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"authorization", b"Bearer abc")], [b"abc"]),
        ([(b"authorization", b"bearer   abc ")], [b"abc"]),
        ([(b"authorization", b"Basic abc")], []),
        ([(b"authorization", b"Bearer")], []),
        ([(b"x-api-key", b" abc ")], [b"abc"]),
        ([(b"x-api-key", b"")], []),
        ([(b"x-api-key", b"1"), (b"x-api-key", b"2"), (b"x-api-key", b"3")], [b"1", b"2"]),
    ],
)
def test_presented_keys(headers: list[tuple[bytes, bytes]], expected: list[bytes]) -> None:
    assert presented_keys(headers) == expected


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


@pytest.fixture
def client() -> TestClient:
    inner = Starlette(routes=[Route("/events", _ok, methods=["POST"]), Route("/health", _ok)])
    app = ApiKeyMiddleware(inner, KeyChecker([SecretStr(KEY)]), auth_policy(True, True))
    return TestClient(app)


def test_401_is_fixed_json_with_challenge(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-key"}, {"X-API-Key": KEY + "x"}):
        response = client.post("/events", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized", "message": "missing or invalid API key"}
        assert response.headers["www-authenticate"] == "Bearer"


def test_either_header_form_passes(client: TestClient) -> None:
    assert client.post("/events", headers={"Authorization": f"Bearer {KEY}"}).text == "ok"
    assert client.post("/events", headers={"X-API-Key": KEY}).text == "ok"
    # One good key among the offered ones is enough.
    both = {"Authorization": "Bearer wrong-key", "X-API-Key": KEY}
    assert client.post("/events", headers=both).status_code == 200


def test_open_paths_need_no_key(client: TestClient) -> None:
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_gets_the_policy_of_its_access_level(op: Any) -> None:
    path = op.path.replace("{event_id:path}", "some/id")
    strict, opened = auth_policy(True, True), auth_policy(False, False)
    assert strict.requires_key(op.method, path) is (op.access != "public")
    assert opened.requires_key(op.method, path) is (op.access == "write")


def test_every_protected_route_refuses_a_request_without_a_key() -> None:
    app = create_app(IngestApiSettings(ingest_api_keys=SecretStr(KEY), use_kafka=False))
    # No lifespan: the key check answers before any handler or client is needed.
    client = TestClient(app)
    protected = [op for op in OPERATIONS if op.access != "public"]
    assert {op.access for op in protected} == {"read", "metrics", "write"}
    for op in protected:
        path = op.path.replace("{event_id:path}", "some/id")
        response = client.request(op.method, path)
        assert response.status_code == 401, (op.method, path)
