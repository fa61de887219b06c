"""The served API document is what the route table and the models generate; /docs shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter
from starlette.testclient import TestClient

from ingest_api.app import create_app
from ingest_api.openapi import REF, openapi_document
from ingest_api.routes import OPERATIONS, auth_policy
from ingest_api.schemas import BatchAnswer, EventOut, EventPage, Problem, StoredEvent
from ingest_api.settings import IngestApiSettings
from shared.mapping.envelope import Envelope

KEY = "k" * 32


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # Nothing listens on port 9: Neo4j is down at start-up, which the API survives.
    settings = IngestApiSettings(
        ingest_api_keys=SecretStr(KEY),
        use_kafka=False,
        neo4j_uri="bolt://127.0.0.1:9",
        neo4j_connect_timeout_s=1.0,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _model_schema(model: Any, mode: Any) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(model).json_schema(ref_template=REF, mode=mode)
    schema.pop("$defs", None)
    return schema


def test_the_served_document_is_the_generated_one(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    expected = openapi_document(OPERATIONS, auth_policy(True, True))
    assert served == json.loads(json.dumps(expected))


def test_component_schemas_are_the_models_own(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["Envelope"] == _model_schema(Envelope, "validation")
    assert schemas["Envelope"] == Envelope.model_json_schema(ref_template=REF)
    for model in (StoredEvent, BatchAnswer, EventPage, EventOut, Problem):
        assert schemas[model.__name__] == _model_schema(model, "serialization"), model
    # The envelope model accepts `"id": null`; so does its document.
    assert {"type": "null"} in schemas["Envelope"]["properties"]["id"]["anyOf"]


def test_every_operation_of_the_table_and_no_other_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    table = {
        (op.method, op.path.replace("{event_id:path}", "{event_id}"))
        for op in OPERATIONS
        if op.in_schema
    }
    assert documented == table
    answer = paths["/events"]["post"]["responses"]["201"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/StoredEvent"}
    assert paths["/events"]["post"]["responses"]["401"]
    assert paths["/health"]["get"]["security"] == []


def test_the_docs_page_loads_swagger_ui_with_the_document(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'url: "/openapi.json"' in response.text
    assert "swagger-ui-bundle.js" in response.text


def test_without_authentication_the_document_has_no_security() -> None:
    document = openapi_document(OPERATIONS, None)
    assert "securitySchemes" not in document["components"]
    assert all("security" not in op for ops in document["paths"].values() for op in ops.values())
