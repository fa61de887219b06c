"""ingest_api and graph_writer talk to a Neo4j that accepts Bolt over TLS only.

A private Neo4j (deploy/local/neo4j.sh with NEO4J_BOLT_TLS=required) is started once for
this module on its own ports, with a certificate from a throwaway CA; the session's main
servers are not touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import ServiceUnavailable
from pydantic import SecretStr
from starlette.testclient import TestClient

from ingest_api.app import create_app
from ingest_api.settings import IngestApiSettings
from shared.core.errors import StoreUntrusted
from tests.certs import TestPki
from tests.conftest import ROOT, Graph, Services
from tests.integration.private_servers import tls_neo4j
from tests.integration.processes import free_port, http_json, start_api

# Not the main servers' password, so a leak of this one is easy to spot in output.
PASSWORD = "tls-graph-Secr3t-pass"
EVENT = {
    "id": "tls-1",
    "event": {
        "class_uid": 3002,
        "time": "2024-03-14T10:00:00Z",
        "src": {"type": "User", "id": "user123", "name": "john.doe"},
        "dst": {"type": "IP", "id": "10.0.0.5"},
    },
}


@pytest.fixture(scope="module")
def bolt_port(tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki) -> Iterator[int]:
    with tls_neo4j(tmp_path_factory.mktemp("neo4j-tls"), test_pki.server, PASSWORD) as port:
        yield port


@pytest.fixture
def tls_graph(bolt_port: int, test_pki: TestPki) -> Iterator[Graph]:
    """The TLS server's graph, emptied, read over a connection verified against the CA."""
    driver = GraphDatabase.driver(
        f"bolt://localhost:{bolt_port}",
        auth=("neo4j", PASSWORD),
        encrypted=True,
        trusted_certificates=neo4j.TrustCustomCAs(str(test_pki.server.ca)),
    )
    try:
        graph = Graph(driver)
        graph.wipe()
        yield graph
    finally:
        driver.close()


def settings(uri: str, **values: Any) -> IngestApiSettings:
    return IngestApiSettings(
        neo4j_uri=uri,
        neo4j_password=SecretStr(PASSWORD),
        neo4j_connect_timeout_s=3,
        neo4j_tx_retry_s=1,
        use_kafka=False,
        auth_disabled=True,
        **values,
    )


def post_and_read_back(services: Services, log_dir: Path, **env: str) -> dict[str, Any]:
    """Through a real ingest_api process: the driver closes TLS sockets in the background,
    which an in-process client's short-lived event loop would cut off (a ResourceWarning)."""
    api = start_api(services, "unused", log_dir, tls_context=None, USE_KAFKA="false", **env)
    try:
        api.wait_ready()
        assert http_json(api.url("/health/neo4j"))[1]["status"] == "healthy"
        status, body = http_json(api.url("/events"), EVENT)
        assert status == 201, body
        status, stored = http_json(api.url("/events/tls-1"))
        assert status == 200, stored
        assert isinstance(stored, dict)
        return stored
    finally:
        api.close()


def assert_event_stored_once(graph: Graph) -> None:
    rows = graph.query(
        "MATCH (e:Event {id: 'tls-1'})-[r]->(n:Entity) RETURN type(r) AS rel, n.key AS key "
        "ORDER BY rel"
    )
    assert rows == [
        {"rel": "HAS_DESTINATION", "key": "IP:10.0.0.5"},
        {"rel": "HAS_SOURCE", "key": "User:user123"},
    ]
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 1


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_direct_write_with_private_ca_lands_and_reads_back_over_tls(
    scheme: str,
    bolt_port: int,
    test_pki: TestPki,
    services: Services,
    tls_graph: Graph,
    tmp_path: Path,
) -> None:
    # neo4j:// also fetches a routing table over the same verified connection.
    body = post_and_read_back(
        services,
        tmp_path,
        NEO4J_URI=f"{scheme}://localhost:{bolt_port}",
        NEO4J_PASSWORD=PASSWORD,
        NEO4J_TRUSTED_CA_FILE=str(test_pki.server.ca),
    )
    assert {e["key"] for e in body["entities"]} == {"IP:10.0.0.5", "User:user123"}
    assert_event_stored_once(tls_graph)


def test_bolt_ssc_encrypts_without_verifying(
    bolt_port: int, services: Services, tls_graph: Graph, tmp_path: Path
) -> None:
    # +ssc trusts any certificate: it proves the URI scheme alone switches TLS on, not trust.
    post_and_read_back(
        services, tmp_path, NEO4J_URI=f"bolt+ssc://localhost:{bolt_port}", NEO4J_PASSWORD=PASSWORD
    )
    assert_event_stored_once(tls_graph)


@pytest.mark.parametrize("trust", ["system store", "unrelated CA"])
def test_untrusted_certificate_stops_the_api_at_start_up(
    trust: str, bolt_port: int, test_pki: TestPki, tls_graph: Graph
) -> None:
    if trust == "system store":
        api = settings(f"bolt+s://localhost:{bolt_port}")
    else:
        api = settings(f"bolt://localhost:{bolt_port}", neo4j_trusted_ca_file=test_pki.other_ca)
    with pytest.raises(StoreUntrusted) as caught, TestClient(create_app(api)):
        pass
    message = str(caught.value)
    assert "TLS certificate is not trusted" in message
    assert "NEO4J_TRUSTED_CA_FILE" in message
    assert PASSWORD not in message
    assert tls_graph.counts() == (0, 0)


@pytest.mark.parametrize("module", ["ingest_api", "graph_writer"])
def test_untrusted_certificate_exits_the_process_with_a_clear_message(
    module: str, bolt_port: int
) -> None:
    env = {
        **os.environ,
        "NEO4J_URI": f"bolt+s://localhost:{bolt_port}",
        "NEO4J_PASSWORD": PASSWORD,
        "USE_KAFKA": "false",
        "AUTH_DISABLED": "true",
        "INGEST_API_HOST": "127.0.0.1",
        "INGEST_API_PORT": str(free_port()),
        "GRAPH_WRITER_HEALTH_HOST": "127.0.0.1",
        "GRAPH_WRITER_HEALTH_PORT": str(free_port()),
    }
    done = subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{module}: start-up failed: ")
    assert "TLS certificate is not trusted (unable to get local issuer certificate)" in last
    assert PASSWORD not in done.stdout + done.stderr


def test_plaintext_client_is_refused(bolt_port: int, tls_graph: Graph) -> None:
    with (
        GraphDatabase.driver(
            f"bolt://localhost:{bolt_port}", auth=("neo4j", PASSWORD), connection_timeout=3
        ) as plain,
        pytest.raises(ServiceUnavailable),
    ):
        plain.verify_connectivity()
    with TestClient(create_app(settings(f"bolt://localhost:{bolt_port}"))) as client:
        assert client.get("/health/neo4j").status_code == 503
        response = client.post("/events", json=EVENT)
        assert response.status_code == 503, response.text
    assert tls_graph.counts() == (0, 0)


def test_local_script_refuses_tls_without_a_certificate(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BG_LOCAL_DIR": str(tmp_path),
        "NEO4J_BOLT_PORT": str(free_port()),
        "NEO4J_HTTP_PORT": str(free_port()),
        "NEO4J_BOLT_TLS": "required",
        "NEO4J_TLS_DIR": str(tmp_path / "missing"),
    }
    done = subprocess.run(
        [str(ROOT / "deploy" / "local" / "neo4j.sh"), "start"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "has no readable server.crt" in done.stderr
