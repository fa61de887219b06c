"""Direct mode: an event Neo4j can never store is refused alone; the others land."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Graph

# Past Neo4j's index key limit (about 8 KB): the entity_key constraint refuses the node.
TOO_LONG = "u" * 9000
REASON = "Neo4j cannot store this event: Property value is too large to index"


def good(event_id: str, ip: str) -> dict[str, Any]:
    return {"id": event_id, "event": {"class_uid": 4001, "src_endpoint": {"ip": ip}}}


def bad(event_id: str) -> dict[str, Any]:
    # The IP would be fine on its own: it must not land either (nothing partial).
    return {
        "id": event_id,
        "event": {
            "class_uid": 3002,
            "src_endpoint": {"ip": "10.66.0.1"},
            "user": {"uid": TOO_LONG},
        },
    }


def test_batch_writes_the_good_items_and_rejects_the_bad(
    direct_client: TestClient, graph: Graph
) -> None:
    batch = [
        good("g-0", "10.0.0.1"),
        bad("b-1"),
        good("g-2", "10.0.0.2"),
        {"id": "invalid", "event": {"class_uid": "x"}},
        good("g-4", "10.0.0.1"),
        bad("b-5"),
        good("g-6", "10.0.0.3"),
    ]
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["accepted"], body["rejected"], body["route"]) == (4, 3, "direct")
    statuses = [(r["index"], r["status"]) for r in body["results"]]
    assert statuses == [
        (0, "accepted"),
        (1, "rejected"),
        (2, "accepted"),
        (3, "rejected"),
        (4, "accepted"),
        (5, "rejected"),
        (6, "accepted"),
    ]
    for index in (1, 5):
        (detail,) = body["results"][index]["detail"]
        assert detail["loc"] == ["event"]
        assert detail["msg"].startswith(REASON)
    assert "id" not in body["results"][1]

    ids = graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids")
    assert sorted(ids) == ["g-0", "g-2", "g-4", "g-6"]
    keys = graph.value("MATCH (n:Entity) RETURN collect(n.key) AS keys")
    assert sorted(keys) == ["IP:10.0.0.1", "IP:10.0.0.2", "IP:10.0.0.3"]
    assert graph.value("MATCH (n:IP {key: 'IP:10.0.0.1'}) RETURN n.event_count AS c") == 2
    assert graph.value("MATCH ()-[r]->() RETURN count(r) AS c") == 4

    # Replaying the same batch changes nothing and answers the same.
    before = graph.counts()
    again = direct_client.post("/events/batch", json=batch)
    assert again.status_code == 201
    assert [r["status"] for r in again.json()["results"]] == [s for _, s in statuses]
    assert graph.counts() == before


def test_single_event_neo4j_cannot_store_is_a_422(direct_client: TestClient, graph: Graph) -> None:
    response = direct_client.post("/events", json=bad("lone"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["message"]) == ("invalid_event", "the event cannot be stored")
    (detail,) = body["detail"]
    assert detail["loc"] == ["event"]
    assert detail["msg"].startswith(REASON)
    assert "element id" not in detail["msg"]
    assert graph.counts() == (0, 0)
    assert direct_client.post("/events", json=good("after", "10.0.0.9")).status_code == 201


def test_batch_of_only_unstorable_events_is_a_422(direct_client: TestClient, graph: Graph) -> None:
    response = direct_client.post("/events/batch", json=[bad("b-0"), bad("b-1")])
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (0, 2)
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected"]
    assert graph.counts() == (0, 0)
