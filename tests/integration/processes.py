"""Run graph_writer (and ingest_api) as real subprocesses, as they run in production."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from tests.conftest import ROOT, Services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_status(url: str, context: ssl.SSLContext | None = None) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def http_json(
    url: str, payload: Any = None, context: ssl.SSLContext | None = None
) -> tuple[int, Any]:
    """GET, or POST `payload` as JSON; the status and the decoded body, errors included."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=15, context=context) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def http_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        text: str = response.read().decode()
        return text


class ServiceProcess:
    def __init__(
        self,
        module: str,
        env: dict[str, str],
        port: int,
        log_path: Path,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.port = port
        # Set when the service serves HTTPS: how the tests' own requests verify it.
        self.tls_context = tls_context
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def url(self, path: str) -> str:
        scheme = "https" if self.tls_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited early ({self.proc.returncode}):\n{self.log()}")
            if http_status(self.url("/health/ready"), self.tls_context) == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"not ready after {timeout}s:\n{self.log()}")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._log.close()


def service_env(services: Services, topic: str, group: str) -> dict[str, str]:
    return {
        "USE_KAFKA": "true",
        "KAFKA_BOOTSTRAP_SERVERS": services.kafka_bootstrap,
        "KAFKA_TOPIC_INPUT": topic,
        "KAFKA_DLQ_TOPIC": f"{topic}-dlq",
        "KAFKA_CONSUMER_GROUP": group,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "LOG_LEVEL": "INFO",
        "AUTH_DISABLED": "true",
    }


def start_writer(
    services: Services, topic: str, group: str, log_dir: Path, **extra: str
) -> ServiceProcess:
    port = free_port()
    env = {**service_env(services, topic, group), "GRAPH_WRITER_HEALTH_PORT": str(port), **extra}
    return ServiceProcess("graph_writer", env, port, log_dir / f"writer-{port}.log")


def start_api(
    services: Services,
    topic: str,
    log_dir: Path,
    *,
    tls_context: ssl.SSLContext | None = None,
    **extra: str,
) -> ServiceProcess:
    port = free_port()
    env = {
        **service_env(services, topic, "unused"),
        "INGEST_API_HOST": "127.0.0.1",
        "INGEST_API_PORT": str(port),
        **extra,
    }
    return ServiceProcess("ingest_api", env, port, log_dir / f"api-{port}.log", tls_context)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
