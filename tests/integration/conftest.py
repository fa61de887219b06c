from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from ingest_api.app import create_app
from ingest_api.settings import IngestApiSettings
from tests.certs import TestPki, make_test_pki
from tests.conftest import Graph, Services
from tests.integration.private_servers import SecureKafka, secure_kafka
from tests.integration.processes import ServiceProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


def api_settings(services: Services, **overrides: Any) -> IngestApiSettings:
    values: dict[str, Any] = {
        "neo4j_uri": services.neo4j_uri,
        "neo4j_user": services.neo4j_user,
        "neo4j_password": SecretStr(services.neo4j_password),
        "kafka_bootstrap_servers": services.kafka_bootstrap,
        "use_kafka": False,
        # Most tests are about ingest, not auth; tests/integration/test_security.py turns it on.
        "auth_disabled": True,
        **overrides,
    }
    return IngestApiSettings(**values)


@pytest.fixture
def direct_client(services: Services, graph: Graph) -> Iterator[TestClient]:
    """The API in direct-write mode (USE_KAFKA=false) over an empty graph."""
    with TestClient(create_app(api_settings(services))) as client:
        yield client


@pytest.fixture
def writers() -> Iterator[list[ServiceProcess]]:
    """graph_writer processes a test starts, each closed after it."""
    started: list[ServiceProcess] = []
    yield started
    for writer in started:
        writer.close()


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """The CA and server certificate every TLS test shares, and a CA nobody uses."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def kafka_secure(
    tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki
) -> Iterator[SecureKafka]:
    """One private broker with SASL_PLAINTEXT, SSL and SASL_SSL listeners, for all modules."""
    with secure_kafka(tmp_path_factory.mktemp("kafka-secure"), test_pki.server) as broker:
        yield broker
