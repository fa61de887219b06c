"""Extra local Kafka and Neo4j servers with opt-in security, next to the session's own.

Each runs from deploy/local on free ports in its own BG_LOCAL_DIR, so the main servers
(and other people's) are never touched; small heaps keep them from crowding the machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.certs import ServerTls
from tests.conftest import LOCAL, ROOT
from tests.integration.processes import free_port

SASL_USER = "alice"
SASL_PASSWORD = "alice-secret"


@contextlib.contextmanager
def _running(service: str, env: dict[str, str]) -> Iterator[None]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip(f"a private {service} needs Java")
    script = str(LOCAL / f"{service}.sh")
    full_env = {**os.environ, **env}
    try:
        subprocess.run([script, "start"], check=True, cwd=ROOT, env=full_env, timeout=300)
        yield
    finally:
        subprocess.run([script, "stop"], check=False, cwd=ROOT, env=full_env, timeout=60)


@dataclass(frozen=True)
class SecureKafka:
    """One broker with a listener per security protocol."""

    sasl_plaintext: str
    ssl: str
    sasl_ssl: str


@contextlib.contextmanager
def secure_kafka(local_dir: Path, tls: ServerTls) -> Iterator[SecureKafka]:
    ports = {name: free_port() for name in ("sasl", "ssl", "sasl_ssl")}
    env = {
        "BG_LOCAL_DIR": str(local_dir),
        "KAFKA_PORT": str(free_port()),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_SASL_PORT": str(ports["sasl"]),
        "KAFKA_SSL_PORT": str(ports["ssl"]),
        "KAFKA_SASL_SSL_PORT": str(ports["sasl_ssl"]),
        "KAFKA_TLS_DIR": str(tls.folder),
        "KAFKA_SASL_USER": SASL_USER,
        "KAFKA_SASL_PASSWORD": SASL_PASSWORD,
        "KAFKA_HEAP": "-Xms128m -Xmx384m",
    }
    with _running("kafka", env):
        yield SecureKafka(
            f"localhost:{ports['sasl']}",
            f"localhost:{ports['ssl']}",
            f"localhost:{ports['sasl_ssl']}",
        )


@contextlib.contextmanager
def tls_neo4j(local_dir: Path, tls: ServerTls, password: str) -> Iterator[int]:
    """A Neo4j that accepts Bolt over TLS only; yields its Bolt port."""
    bolt = free_port()
    env = {
        "BG_LOCAL_DIR": str(local_dir),
        "NEO4J_BOLT_PORT": str(bolt),
        "NEO4J_HTTP_PORT": str(free_port()),
        "NEO4J_PASSWORD": password,
        "NEO4J_BOLT_TLS": "required",
        "NEO4J_TLS_DIR": str(tls.folder),
        "NEO4J_HEAP": "384m",
        "NEO4J_PAGECACHE": "64m",
    }
    with _running("neo4j", env):
        yield bolt
