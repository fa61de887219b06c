"""Authentication and request limits of ingest_api against the real Neo4j.

In-process (TestClient) for the rules; a real hypercorn subprocess for what needs
real concurrency and real sockets: the in-flight bound and the request timeout.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.processes import ServiceProcess, start_api
from tests.samples import DOCS_EXAMPLE

KEY_A = "current-key-0123456789abcdef"
KEY_B = "previous-key-0123456789abcdef"
BEARER_A = {"Authorization": f"Bearer {KEY_A}"}


def envelope(event_id: str, **event: Any) -> dict[str, Any]:
    return {"id": event_id, "event": {"class_uid": 4001, **event}}


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"k": value}
    return value


def secured_app(services: Services, **overrides: Any) -> TestClient:
    settings = api_settings(
        services,
        auth_disabled=False,
        ingest_api_keys=SecretStr(f"{KEY_A},{KEY_B}"),
        **overrides,
    )
    return TestClient(create_app(settings))


@pytest.fixture
def client(services: Services, graph: Graph) -> Iterator[TestClient]:
    with secured_app(services) as c:
        yield c


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-configured-key-at-all"},
        {"Authorization": f"Basic {KEY_A}"},
        {"X-API-Key": KEY_A[:-1]},
    ],
    ids=["missing", "wrong-bearer", "wrong-scheme", "truncated"],
)
def test_write_without_a_valid_key_is_401_and_writes_nothing(
    client: TestClient, graph: Graph, headers: dict[str, str]
) -> None:
    single = client.post("/events", json=DOCS_EXAMPLE, headers=headers)
    batch = client.post("/events/batch", json=[envelope("b-1")], headers=headers)
    for response in (single, batch):
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized", "message": "missing or invalid API key"}
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["x-request-id"]
    assert graph.counts() == (0, 0)


def test_both_header_forms_and_both_rotation_keys_are_accepted(
    client: TestClient, graph: Graph
) -> None:
    forms = [
        {"Authorization": f"Bearer {KEY_A}"},
        {"authorization": f"bearer {KEY_B}"},
        {"X-API-Key": KEY_A},
        {"X-API-Key": KEY_B},
    ]
    for i, headers in enumerate(forms):
        response = client.post("/events", json=envelope(f"k-{i}"), headers=headers)
        assert response.status_code == 201, response.text
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 4


def test_health_and_schema_are_open_reads_and_metrics_are_not(client: TestClient) -> None:
    for path in ("/health", "/health/ready", "/health/kafka", "/health/neo4j", "/openapi.json"):
        assert client.get(path).status_code == 200, path
    for path in ("/events", "/events/some-id", "/metrics", "/not-a-route"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=BEARER_A).status_code in (200, 404), path


def test_reads_and_metrics_can_be_opened(services: Services, graph: Graph) -> None:
    with secured_app(services, auth_protect_reads=False, auth_protect_metrics=False) as c:
        assert c.get("/events").status_code == 200
        assert c.get("/events/absent").status_code == 404
        assert c.get("/metrics").status_code == 200
        assert c.post("/events", json=envelope("x")).status_code == 401
        spec = c.get("/openapi.json").json()
    assert spec["paths"]["/events"]["get"]["security"] == []
    assert spec["paths"]["/events"]["post"]["security"]
    assert "401" in spec["paths"]["/events"]["post"]["responses"]


# ---------------------------------------------------------------- input limits


def test_too_deep_event_is_422_with_its_path_and_writes_nothing(
    client: TestClient, graph: Graph
) -> None:
    response = client.post("/events", json={"event": nested(40)}, headers=BEARER_A)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_event"
    assert body["detail"][0]["msg"] == "nesting deeper than 32 levels"
    assert body["detail"][0]["loc"][:2] == ["event", "k"]
    assert graph.counts() == (0, 0)


def test_beyond_the_parser_depth_is_a_clean_400(client: TestClient, graph: Graph) -> None:
    body = b'{"event":' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post(
        "/events", content=body, headers={**BEARER_A, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert graph.counts() == (0, 0)


def test_too_long_string_is_422_with_its_path(client: TestClient, graph: Graph) -> None:
    response = client.post("/events", json=envelope("long", message="x" * 65_537), headers=BEARER_A)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["event", "message"], "msg": "string longer than 65536 characters"}
    ]
    assert graph.counts() == (0, 0)


def test_batch_rejects_only_the_items_over_a_limit(client: TestClient, graph: Graph) -> None:
    batch = [envelope("ok-1"), {"event": nested(40)}, envelope("long", message="y" * 70_000)]
    response = client.post("/events/batch", json=batch, headers=BEARER_A)
    assert response.status_code == 201, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected"]
    assert "nesting deeper" in results[1]["detail"][0]["msg"]
    assert results[2]["detail"][0]["loc"] == ["event", "message"]
    assert graph.query("MATCH (e:Event) RETURN e.id AS id") == [{"id": "ok-1"}]


def test_oversize_body_and_too_many_items_are_413(client: TestClient, graph: Graph) -> None:
    big = orjson.dumps(envelope("big", message="z" * 60_000, pad=["p" * 60_000] * 20))
    response = client.post(
        "/events", content=big, headers={**BEARER_A, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    many = [envelope(f"m-{i}") for i in range(1001)]
    response = client.post("/events/batch", json=many, headers=BEARER_A)
    assert response.status_code == 413
    assert response.json()["error"] == "too_many_items"
    assert graph.counts() == (0, 0)


# ---------------------------------------------------------------- real server: flood, timeout


@pytest.fixture(scope="module")
def limited_api(
    services: Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """Direct mode, 20 events in flight at most, 2 s per request."""
    api = start_api(
        services,
        "unused",
        Path(tmp_path_factory.mktemp("api-logs")),
        USE_KAFKA="false",
        AUTH_DISABLED="false",
        INGEST_API_KEYS=KEY_A,
        MAX_BATCH_ITEMS="10",
        MAX_IN_FLIGHT_EVENTS="20",
        REQUEST_TIMEOUT_S="2",
        RETRY_AFTER_S="1",
    )
    try:
        api.wait_ready()
        yield api
    finally:
        api.close()


async def _flood(url: str, batches: list[list[dict[str, Any]]]) -> list[httpx2.Response]:
    async with httpx2.AsyncClient(headers=BEARER_A, timeout=30) as http:
        return await asyncio.gather(*(http.post(url, json=b) for b in batches))


def test_flood_beyond_the_in_flight_bound_gets_429_and_loses_nothing(
    limited_api: ServiceProcess, graph: Graph
) -> None:
    batches = [
        [envelope(f"f{b}-{i}", src={"ip": f"10.1.{b}.{i}"}) for i in range(10)] for b in range(60)
    ]
    responses = asyncio.run(_flood(limited_api.url("/events/batch"), batches))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 429}, statuses
    assert statuses.count(429) > 0, "the bound never bit"
    assert statuses.count(201) > 0
    for response in responses:
        if response.status_code == 429:
            assert response.headers["retry-after"] == "1"
            assert response.json()["error"] == "overloaded"
    acknowledged = {
        r["id"] for resp in responses if resp.status_code == 201 for r in resp.json()["results"]
    }
    stored = {row["id"] for row in graph.query("MATCH (e:Event) RETURN e.id AS id")}
    # Every 2xx is durable, and a refused batch left nothing behind.
    assert stored == acknowledged
    assert limited_api.proc.poll() is None


async def _trickle(port: int) -> tuple[bytes, bytes]:
    """Send the head and a tenth of the promised body, then wait: the answer's head and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: 100\r\nAuthorization: Bearer {KEY_A}\r\n\r\n"
    )
    writer.write(head.encode() + b'{"event": ')
    await writer.drain()
    try:
        async with asyncio.timeout(10):
            answer_head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in answer_head.lower().split(b"\r\n")
                if line.startswith(b"content-length:")
            )
            return answer_head, await reader.readexactly(length)
    finally:
        writer.close()


def test_body_that_never_finishes_gets_503_after_the_request_timeout(
    limited_api: ServiceProcess, graph: Graph
) -> None:
    head, body = asyncio.run(_trickle(limited_api.port))
    assert head.startswith(b"HTTP/1.1 503"), head
    assert b"retry-after: 1" in head.lower()
    assert orjson.loads(body)["error"] == "timeout"
    assert graph.counts() == (0, 0)


# ---------------------------------------------------------------- TLS to Neo4j


def test_a_trusted_ca_file_makes_the_driver_insist_on_tls(
    services: Services, graph: Graph, tmp_path: Path
) -> None:
    """The test server speaks plain Bolt, so an encrypting driver must fail to talk to it."""
    if not services.neo4j_uri.startswith(("bolt://", "neo4j://")):
        pytest.skip("needs a plain-scheme Neo4j URI")
    ca = tmp_path / "ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=bg-test-ca", "-keyout", str(tmp_path / "ca.key"), "-out", str(ca)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    settings = api_settings(services, neo4j_trusted_ca_file=ca, neo4j_connect_timeout_s=2)
    with TestClient(create_app(settings)) as c:
        assert c.get("/health/neo4j").status_code == 503
        assert c.post("/events", json=envelope("tls-1")).status_code == 503
    assert graph.counts() == (0, 0)
