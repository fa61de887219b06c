"""The compose stack of deploy/docker-compose.yml, really run, for tests/compose.

`make test-compose` runs these (never `make test`): it builds the stand-in images when no
registry is reachable, and DOCKER_HOST names the engine. The stack is its own compose
project with its own host ports, brought up once per session and removed with its
volumes at the end, so nothing of a developer's `make up` is touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
PROJECT = os.environ.get("BG_COMPOSE_TEST_PROJECT", "bgcompose-test")
# Host ports clear of the defaults (a developer's `make up` or `make dev` may hold those).
HOST_PORTS = {
    "INGEST_API_HOST_PORT": "28001",
    "KAFKA_HOST_PORT": "29092",
    "NEO4J_HTTP_HOST_PORT": "27474",
    "NEO4J_BOLT_HOST_PORT": "27687",
    "PROMETHEUS_HOST_PORT": "29090",
    "KAFKA_UI_HOST_PORT": "28080",
    "GRAFANA_HOST_PORT": "23000",
}
# Every service but the Kafka UI, which has no stand-in image (docs/deployment.md).
SERVICES = ("kafka", "kafka-init", "neo4j", "ingest_api", "graph_writer")
NEO4J_AUTH = ("neo4j", "blueprintgraph")


def _compose_env() -> dict[str, str]:
    """The environment for compose: the extra CA certificates the image build must trust
    (as compose.mk passes them), unless EXTRA_CA_CERTS is set already."""
    env = dict(os.environ)
    if "EXTRA_CA_CERTS" not in env:
        files = sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))
        env["EXTRA_CA_CERTS"] = "\n".join(f.read_text() for f in files)
    return env


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class Stack:
    def __init__(self, env_file: Path) -> None:
        self.env_file = env_file
        self.api = f"http://127.0.0.1:{HOST_PORTS['INGEST_API_HOST_PORT']}"

    def compose(
        self, *args: str, check: bool = True, timeout: float = 420
    ) -> subprocess.CompletedProcess[str]:
        cmd = ["docker", "compose", "-p", PROJECT, "-f", str(COMPOSE_FILE)]
        cmd += ["--env-file", str(self.env_file), *args]
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=_compose_env(),
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def up(self, *services: str, extra: tuple[str, ...] = ()) -> None:
        self.compose(*extra, "up", "-d", "--wait", "--wait-timeout", "300", *services)

    def container_ids(self, service: str) -> list[str]:
        out = self.compose("ps", "-a", "-q", service).stdout.split()
        return sorted(out)

    def inspect(self, container: str) -> dict[str, Any]:
        out = subprocess.run(
            ["docker", "inspect", container], capture_output=True, text=True, check=True
        ).stdout
        data = json.loads(out)[0]
        assert isinstance(data, dict)
        return data

    def writer_ready(self, container: str) -> int:
        """The HTTP status of one writer's /health/ready, asked from inside its container."""
        probe = (
            "import os, urllib.request, urllib.error\n"
            "url = 'http://127.0.0.1:%s/health/ready' % os.environ['GRAPH_WRITER_HEALTH_PORT']\n"
            "try:\n    print(urllib.request.urlopen(url, timeout=3).status)\n"
            "except urllib.error.HTTPError as e:\n    print(e.code)\n"
        )
        done = subprocess.run(
            ["docker", "exec", container, "python", "-c", probe],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return int(done.stdout.strip() or 0)

    def request(self, method: str, path: str, body: Any = None) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.api + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return Answer(resp.status, json.loads(resp.read() or b"null"))
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return Answer(err.code, json.loads(raw))
            except ValueError:
                return Answer(err.code, raw.decode(errors="replace"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.fail("no Docker engine answers: deploy/engine.sh up, then export DOCKER_HOST")
    env_file = tmp_path_factory.mktemp("compose") / "env"
    example = (ROOT / ".env.example").read_text()
    env_file.write_text(example + "\n" + "".join(f"{k}={v}\n" for k, v in HOST_PORTS.items()))
    s = Stack(env_file)
    s.compose("--profile", "observability", "down", "-v", "--remove-orphans", check=False)
    try:
        s.compose("build")
        yield s
    finally:
        logs = s.compose("logs", "--no-color", "--tail", "200", check=False)
        (tmp_path_factory.getbasetemp() / "compose.log").write_text(logs.stdout + logs.stderr)
        s.compose("--profile", "observability", "down", "-v", "--remove-orphans", check=False)


@pytest.fixture(scope="session")
def running(stack: Stack) -> Stack:
    stack.up(*SERVICES)
    return stack


@pytest.fixture(scope="session")
def neo4j(running: Stack) -> Iterator[Driver]:
    uri = f"bolt://127.0.0.1:{HOST_PORTS['NEO4J_BOLT_HOST_PORT']}"
    with GraphDatabase.driver(uri, auth=NEO4J_AUTH) as driver:
        yield driver


def count_events(driver: Driver, ids: list[str]) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (e:Event) WHERE e.id IN $ids RETURN count(e) AS n", ids=ids
    )
    return int(records[0]["n"])


def user_event_count(driver: Driver, event_id: str) -> int | None:
    """event_count of the User entity linked to the event (shared by a run's events)."""
    records, _, _ = driver.execute_query(
        "MATCH (:Event {id: $id})--(u:Entity:User) RETURN DISTINCT u.event_count AS n",
        id=event_id,
    )
    if not records:
        return None
    assert len(records) == 1, records
    return int(records[0]["n"])


def ocsf(event_id: str, user: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "source_format": "ocsf",
        "event": {
            "class_uid": 3002,
            "time": "2024-03-14T10:00:00Z",
            "severity_id": 2,
            "message": "Login",
            "src": {"type": "User", "id": user, "name": user},
        },
    }


def run_tag() -> str:
    return uuid.uuid4().hex[:10]
