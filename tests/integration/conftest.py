from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from ingest_api.app import create_app
from ingest_api.settings import IngestApiSettings
from tests.conftest import Graph, Services


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
