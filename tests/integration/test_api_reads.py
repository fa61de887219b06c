"""Reads through the API: ids of any shape, and answers while Neo4j is down."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings

ODD_IDS = ["a/b", "tenant/42/event/7", "trailing/", "50%off", "sp ace", "q?x=1#frag", "é/ü"]


@pytest.mark.parametrize("event_id", ODD_IDS)
def test_any_id_reads_back(direct_client: TestClient, graph: Graph, event_id: str) -> None:
    envelope = {"id": event_id, "event": {"class_uid": 4001, "src_endpoint": {"ip": "10.0.0.5"}}}
    assert direct_client.post("/events", json=envelope).status_code == 201
    assert graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids") == [event_id]

    encoded_slash = direct_client.get("/events/" + quote(event_id, safe=""))
    assert encoded_slash.status_code == 200, encoded_slash.text
    assert encoded_slash.json()["id"] == event_id
    assert [e["key"] for e in encoded_slash.json()["entities"]] == ["IP:10.0.0.5"]
    raw_slash = direct_client.get("/events/" + quote(event_id, safe="/"))
    assert raw_slash.status_code == 200, raw_slash.text
    assert raw_slash.json()["id"] == event_id


def test_a_prefix_of_a_slashed_id_is_not_found(direct_client: TestClient, graph: Graph) -> None:
    envelope = {"id": "a/b", "event": {"class_uid": 4001}}
    assert direct_client.post("/events", json=envelope).status_code == 201
    missing = direct_client.get("/events/a")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert direct_client.get("/events/a/b/c").status_code == 404


def test_reads_answer_503_while_neo4j_is_down(services: Services, graph: Graph) -> None:
    settings = api_settings(services, neo4j_connect_timeout_s=2.0, neo4j_tx_retry_s=2.0)
    with TestClient(create_app(settings)) as client:
        envelope = {"id": "kept", "event": {"class_uid": 4001}}
        assert client.post("/events", json=envelope).status_code == 201
        services.control("neo4j", "stop")
        try:
            for path, params in [
                ("/events", {}),
                ("/events", {"class_uid": "4001", "limit": "5"}),
                ("/events/kept", {}),
                ("/events/a%2Fb", {}),
            ]:
                begun = time.monotonic()
                response = client.get(path, params=params)
                took = time.monotonic() - begun
                assert response.status_code == 503, (path, response.text)
                assert response.headers["retry-after"] == str(settings.retry_after_s)
                body = response.json()
                assert body == {
                    "error": "unavailable",
                    "message": "the event store is unavailable; retry later",
                }
                assert services.neo4j_password not in json.dumps(body)
                # Bounded by the driver's retry time, far below the request timeout.
                assert took < 15, (path, took)
        finally:
            services.control("neo4j", "start")
        back = client.get("/events/kept")
        assert back.status_code == 200
        assert back.json()["id"] == "kept"


@pytest.mark.parametrize("limit", ["0", "501", "ten"])
def test_a_limit_out_of_range_answers_the_allowed_range(
    direct_client: TestClient, graph: Graph, limit: str
) -> None:
    response = direct_client.get("/events", params={"limit": limit})
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["message"]) == (
        "invalid_query",
        "limit must be an integer between 1 and 500",
    )
