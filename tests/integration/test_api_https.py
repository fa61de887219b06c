"""ingest_api serving HTTPS itself (INGEST_API_TLS_CERT_FILE / _KEY_FILE), as a real process."""

from __future__ import annotations

import json
import socket
import ssl
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.certs import TestPki
from tests.conftest import Graph, Services
from tests.integration.processes import ServiceProcess, http_json, start_api

ENVELOPE = {"id": "https-1", "event": {"class_uid": 4001, "src": {"type": "IP", "id": "10.0.0.9"}}}


@pytest.fixture(scope="module")
def https_api(
    services: Services, test_pki: TestPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    api = start_api(
        services,
        "unused",
        Path(tmp_path_factory.mktemp("https-logs")),
        tls_context=ssl.create_default_context(cafile=test_pki.server.ca),
        USE_KAFKA="false",
        INGEST_API_TLS_CERT_FILE=str(test_pki.server.cert),
        INGEST_API_TLS_KEY_FILE=str(test_pki.server.key),
    )
    try:
        api.wait_ready()
        yield api
    finally:
        api.close()


def test_post_over_https_verified_against_the_ca(https_api: ServiceProcess, graph: Graph) -> None:
    assert https_api.tls_context is not None
    status, body = http_json(https_api.url("/events"), ENVELOPE, https_api.tls_context)
    assert status == 201
    assert body["id"] == "https-1"
    assert graph.value("MATCH (e:Event {id: 'https-1'})-->(n:Entity) RETURN n.key AS k") == (
        "IP:10.0.0.9"
    )


def test_client_without_the_ca_cannot_verify_the_server(
    https_api: ServiceProcess, graph: Graph
) -> None:
    with pytest.raises(urllib.error.URLError) as caught:
        http_json(https_api.url("/events"), ENVELOPE, ssl.create_default_context())
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
    assert graph.counts() == (0, 0)


def test_plain_http_on_the_https_port_gets_no_http_answer(
    https_api: ServiceProcess, graph: Graph
) -> None:
    body = json.dumps(ENVELOPE).encode()
    request = (
        b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    with socket.create_connection(("127.0.0.1", https_api.port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert not reply.startswith(b"HTTP/"), reply[:200]
    assert graph.counts() == (0, 0)
