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
    # Offline or behind a strict proxy the page must still work: nothing from elsewhere.
    assert "//" not in response.text.replace("<!doctype html>", "")


@pytest.mark.parametrize(
    ("path", "media_type", "marker"),
    [
        ("/docs/swagger-ui-bundle.js", "text/javascript", b"SwaggerUIBundle"),
        ("/docs/swagger-ui.css", "text/css", b".swagger-ui"),
    ],
)
def test_the_docs_page_assets_are_served_by_the_api(
    client: TestClient, path: str, media_type: str, marker: bytes
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.content


def test_without_authentication_the_document_has_no_security() -> None:
    document = openapi_document(OPERATIONS, None)
    assert "securitySchemes" not in document["components"]
    assert all("security" not in op for ops in document["paths"].values() for op in ops.values())


def test_the_preview_is_documented_with_the_envelope_in_and_the_graph_out(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    preview = document["paths"]["/events/preview"]["post"]
    body = preview["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Envelope"}
    answer = preview["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/EventPreview"}
    assert {"400", "401", "413", "415", "422"} <= set(preview["responses"])
    schema = document["components"]["schemas"]["EventPreview"]
    assert set(schema["required"]) == {
        "id",
        "properties",
        "entities",
        "associations",
        "dropped",
        "ocsf_schema",
    }
    # The 202 of the Kafka path says the list is not known there.
    stored = document["components"]["schemas"]["StoredEvent"]["properties"]["dropped"]
    assert {"type": "null"} in stored["anyOf"]
    assert "preview" in stored["description"]


def test_the_preview_needs_a_key_as_posting_does(client: TestClient) -> None:
    envelope = {"event": {"class_uid": 1}}
    assert client.post("/events/preview", json=envelope).status_code == 401
    answer = client.post(
        "/events/preview", json=envelope, headers={"authorization": f"Bearer {KEY}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["properties"]["class_uid"] == 1
