"""Session fixtures: a real Kafka and a real Neo4j for the tests that need them.

Where they come from, in order: BG_TEST_KAFKA_BOOTSTRAP + BG_TEST_NEO4J_URI when set;
testcontainers when a Docker engine answers; else test servers of deploy/local, started
here if they are not running (the script is idempotent). Those have their own data
directory and ports, so the tests never touch the developer's graph (`make dev`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "deploy" / "local"

# The test servers of deploy/local, unless the environment says otherwise. The Makefile's
# TEST_* variables pass the same values (tests/deploy/test_local_servers.py checks it).
TEST_SERVERS = {
    "BG_LOCAL_DIR": str(LOCAL / ".run-test"),
    "KAFKA_PORT": "19192",
    "KAFKA_CONTROLLER_PORT": "19193",
    "NEO4J_BOLT_PORT": "17787",
    "NEO4J_HTTP_PORT": "17574",
}


def local_env() -> dict[str, str]:
    """The environment for the deploy/local scripts that run the test servers."""
    return {**TEST_SERVERS, **os.environ}


@dataclass(frozen=True)
class Services:
    kafka_bootstrap: str
    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str
    # Only the local servers can be stopped and started by tests (outage scenarios).
    controllable: bool

    def control(self, service: str, action: str) -> None:
        if not self.controllable:
            pytest.skip("outage tests need the local servers of deploy/local")
        script = str(LOCAL / f"{service}.sh")
        subprocess.run([script, action], check=True, cwd=ROOT, env=local_env(), timeout=180)


def _docker_answers() -> bool:
    """True when a Docker engine answers /_ping on its local socket."""
    path = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")
    if not os.path.exists(path):
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(64)
    except OSError:
        return False


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    kafka = os.environ.get("BG_TEST_KAFKA_BOOTSTRAP")
    neo4j_uri = os.environ.get("BG_TEST_NEO4J_URI")
    password = os.environ.get("BG_TEST_NEO4J_PASSWORD", "blueprintgraph")
    if kafka and neo4j_uri:
        yield Services(kafka, neo4j_uri, "neo4j", password, controllable=False)
    elif os.environ.get("BG_TEST_USE_DOCKER", "1") == "1" and _docker_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.neo4j import Neo4jContainer

        with (
            KafkaContainer("confluentinc/cp-kafka:7.7.1").with_kraft() as kc,
            Neo4jContainer("neo4j:5.26-community", password=password) as nc,
        ):
            yield Services(
                kc.get_bootstrap_server(), nc.get_connection_url(), "neo4j", password, False
            )
    else:
        env = local_env()
        subprocess.run(
            [str(LOCAL / "services.sh"), "up"], check=True, cwd=ROOT, env=env, timeout=900
        )
        yield Services(
            f"localhost:{env['KAFKA_PORT']}",
            f"bolt://localhost:{env['NEO4J_BOLT_PORT']}",
            "neo4j",
            os.environ.get("NEO4J_PASSWORD", "blueprintgraph"),
            controllable=True,
        )


class Graph:
    """Assertions read the graph through this, with a plain synchronous driver."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    def query(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(cypher, params, database_="neo4j")
        return [r.data() for r in records]

    def value(self, cypher: str, **params: Any) -> Any:
        rows = self.query(cypher, **params)
        assert len(rows) == 1, rows
        return next(iter(rows[0].values()))

    def counts(self) -> tuple[int, int]:
        return (
            self.value("MATCH (n) RETURN count(n) AS c"),
            self.value("MATCH ()-[r]->() RETURN count(r) AS c"),
        )

    def wipe(self) -> None:
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        with self.driver.session(database="neo4j") as session:
            session.run(
                "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
            ).consume()


@pytest.fixture(scope="session")
def neo4j_driver(services: Services) -> Iterator[Driver]:
    driver = GraphDatabase.driver(
        services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password)
    )
    yield driver
    driver.close()


@pytest.fixture
def graph(neo4j_driver: Driver) -> Graph:
    """An empty graph for this test."""
    g = Graph(neo4j_driver)
    g.wipe()
    return g


@pytest.fixture
def topic() -> str:
    """A topic name of this test's own, so tests never read each other's records."""
    return f"test-events-{uuid.uuid4().hex[:12]}"
