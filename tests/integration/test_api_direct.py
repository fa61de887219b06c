"""The ingest API in direct-write mode against the real Neo4j."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from shared.mapping.vocabulary import ENTITY_LABELS
from tests.conftest import Graph
from tests.samples import DOCS_EXAMPLE, ocsf_authentication, ocsf_network_activity


def test_docs_curl_example_stores_event_and_user(direct_client: TestClient, graph: Graph) -> None:
    response = direct_client.post("/events", json=DOCS_EXAMPLE)
    assert response.status_code == 201
    body = response.json()
    assert body["event"] == DOCS_EXAMPLE["event"]
    rows = graph.query(
        "MATCH (e:Event {id: $id})-[:HAS_SOURCE]->(u:User:Entity) RETURN e.message AS m, u.key AS k",
        id=body["id"],
    )
    assert rows == [{"m": "Failed login", "k": "User:user123"}]

    listed = direct_client.get("/events").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert listed["items"][0]["message"] == "Failed login"


def test_authentication_and_network_share_one_ip(direct_client: TestClient, graph: Graph) -> None:
    batch = [
        {"id": "auth-1", "event": ocsf_authentication("auth-1")},
        {"id": "net-1", "event": ocsf_network_activity("net-1")},
    ]
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 201, response.text
    assert [r["id"] for r in response.json()["results"]] == ["auth-1", "net-1"]

    assert graph.value("MATCH (ip:IP {key: 'IP:10.0.0.5'}) RETURN ip.event_count AS c") == 2
    rels = graph.query(
        "MATCH (e:Event {id: 'auth-1'})-[r]->(n:Entity) RETURN type(r) AS rel, n.key AS key ORDER BY rel, key"
    )
    assert rels == [
        {"rel": "HAS_DESTINATION", "key": "Host:dc01.corp.example"},
        {"rel": "HAS_DESTINATION", "key": "IP:10.0.0.10"},
        {"rel": "HAS_PRINCIPAL", "key": "User:S-1-5-21-1004"},
        {"rel": "HAS_SOURCE", "key": "Host:laptop-7"},
        {"rel": "HAS_SOURCE", "key": "IP:10.0.0.5"},
        {"rel": "HAS_USER", "key": "User:corp\\alice"},
        {"rel": "ON_DEVICE", "key": "Host:dev-dc01"},
    ]
    time_type = graph.value("MATCH (e:Event {id: 'net-1'}) RETURN valueType(e.time) AS t")
    assert time_type.startswith("ZONED DATETIME")

    detail = direct_client.get("/events/auth-1").json()
    assert {e["key"] for e in detail["entities"]} >= {"IP:10.0.0.5", "User:corp\\alice"}
    assert direct_client.get("/events/nope").status_code == 404


def test_replaying_a_batch_changes_nothing(direct_client: TestClient, graph: Graph) -> None:
    batch = [{"event": ocsf_authentication(f"r-{i}", src_ip=f"10.9.0.{i % 3}")} for i in range(20)]
    batch.append({"event": ocsf_network_activity("r-net")})
    assert direct_client.post("/events/batch", json=batch).status_code == 201
    before = graph.counts()
    counters = graph.query("MATCH (n:Entity) RETURN n.key AS k, n.event_count AS c ORDER BY k")
    for _ in range(3):
        assert direct_client.post("/events/batch", json=batch).status_code == 201
    assert graph.counts() == before
    assert (
        graph.query("MATCH (n:Entity) RETURN n.key AS k, n.event_count AS c ORDER BY k") == counters
    )
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 21


def test_same_id_twice_is_one_event(direct_client: TestClient, graph: Graph) -> None:
    envelope = {
        "id": "client-chosen",
        "event": {"class_uid": 1001, "src": {"type": "IP", "ip": "10.0.0.1"}},
    }
    assert direct_client.post("/events", json=envelope).status_code == 201
    assert direct_client.post("/events", json=envelope).json()["id"] == "client-chosen"
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 1
    assert graph.value("MATCH (n:IP) RETURN n.event_count AS c") == 1


def test_idempotency_key_gives_a_stable_id(direct_client: TestClient, graph: Graph) -> None:
    envelope = {"event": {"class_uid": 1001}}
    headers = {"Idempotency-Key": "req-42"}
    first = direct_client.post("/events", json=envelope, headers=headers).json()["id"]
    second = direct_client.post("/events", json=envelope, headers=headers).json()["id"]
    third = direct_client.post("/events", json=envelope).json()["id"]
    assert first == second != third
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 2


def test_injection_in_type_creates_no_label(direct_client: TestClient, graph: Graph) -> None:
    victim = {"id": "victim", "event": {"class_uid": 1, "src": {"type": "User", "id": "keep-me"}}}
    assert direct_client.post("/events", json=victim).status_code == 201
    hostile = {"event": {"class_uid": 1, "src": {"type": "User) DETACH DELETE n //", "id": "x"}}}
    answer = direct_client.post("/events", json=hostile)
    assert answer.status_code == 201
    assert [d["path"] for d in answer.json()["dropped"]] == ["src.type"]
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 2
    assert graph.value("MATCH (u:User {key: 'User:keep-me'}) RETURN count(u) AS c") == 1
    # db.labels() also lists labels the schema's indexes name (File); none may be new.
    labels = graph.value("CALL db.labels() YIELD label RETURN collect(label) AS l")
    assert "User" in labels
    assert set(labels) <= {"Entity", "Event", *ENTITY_LABELS}
    assert graph.value("MATCH (n:Entity) RETURN count(n) AS c") == 1


def test_a_type_with_a_colon_takes_over_no_key(direct_client: TestClient, graph: Graph) -> None:
    honest = {"id": "honest", "event": {"class_uid": 1, "src": {"type": "User", "id": "Admin:x"}}}
    crafted = {"id": "crafted", "event": {"class_uid": 1, "src": {"type": "User:Admin", "id": "x"}}}
    assert direct_client.post("/events", json=honest).status_code == 201
    assert direct_client.post("/events", json=crafted).status_code == 201
    rows = graph.query(
        "MATCH (e:Event)-[r]->(n:Entity) RETURN e.id AS e, n.key AS key, labels(n) AS labels"
    )
    assert rows == [{"e": "honest", "key": "User:Admin:x", "labels": ["Entity", "User"]}]


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"event": {"class_uid": 1', {"content-type": "application/json"}, 400),
        (b'{"event": {"class_uid": 1}}', {"content-type": "text/plain"}, 415),
        (
            json.dumps({"event": {"class_uid": 1, "message": "x" * 2_000_000}}).encode(),
            {"content-type": "application/json"},
            413,
        ),
        (b'{"event": {"class_uid": "nope"}}', {"content-type": "application/json"}, 422),
        (b'{"event": {"class_uid": 1}, "extra": 1}', {"content-type": "application/json"}, 422),
        (b"[1, 2]", {"content-type": "application/json"}, 422),
    ],
)
def test_bad_input_writes_nothing(
    direct_client: TestClient, graph: Graph, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = direct_client.post("/events", content=content, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]
    assert graph.counts() == (0, 0)


def test_unplaceable_event_names_the_field(direct_client: TestClient, graph: Graph) -> None:
    response = direct_client.post("/events", json={"event": {"class_uid": 1, "time": "soon"}})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["event", "time"], "msg": "is not epoch seconds, ms, us or ns, nor RFC 3339"}
    ]
    assert graph.counts() == (0, 0)


def test_a_bad_optional_field_is_dropped_and_reported(
    direct_client: TestClient, graph: Graph
) -> None:
    event = {"class_uid": 1, "src_endpoint": {"ip": "300.1.1.1", "hostname": "ws-9"}}
    response = direct_client.post("/events", json={"event": event})
    assert response.status_code == 201, response.text
    assert response.json()["dropped"] == [
        {"path": "src_endpoint.ip", "reason": "is not a valid IP address"}
    ]
    keys = graph.query("MATCH (:Event)-[:HAS_SOURCE]->(n:Entity) RETURN n.key AS key")
    assert keys == [{"key": "Host:ws-9"}]


def test_batch_ndjson_with_per_item_results(direct_client: TestClient, graph: Graph) -> None:
    lines = [
        json.dumps({"id": "ok-1", "event": {"class_uid": 3002}}),
        "{broken",
        json.dumps({"id": "bad", "event": {"class_uid": "x"}}),
        json.dumps({"id": "ok-2", "event": {"class_uid": 4001}}),
    ]
    response = direct_client.post(
        "/events/batch",
        content="\n".join(lines).encode(),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert [r["status"] for r in body["results"]] == [
        "accepted",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert body["results"][2]["detail"][0]["loc"] == ["event", "class_uid"]
    ids = graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids")
    assert sorted(ids) == ["ok-1", "ok-2"]


def test_batch_over_the_item_limit_writes_nothing(direct_client: TestClient, graph: Graph) -> None:
    batch = [{"event": {"class_uid": 1}}] * 1001
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 413
    assert graph.counts() == (0, 0)


def test_pagination_filters_and_cursor(direct_client: TestClient, graph: Graph) -> None:
    batch = [
        {
            "id": f"p-{i:02d}",
            "event": {
                "class_uid": 4001 if i % 2 else 3002,
                "time": 1710410400000 + i * 1000,
                "src_endpoint": {"ip": "10.0.0.1" if i < 5 else "10.0.0.2"},
            },
        }
        for i in range(10)
    ]
    assert direct_client.post("/events/batch", json=batch).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = direct_client.get("/events", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"p-{i:02d}" for i in reversed(range(10))]
    only_network = direct_client.get("/events", params={"class_uid": "4001"}).json()["items"]
    assert [i["id"] for i in only_network] == ["p-09", "p-07", "p-05", "p-03", "p-01"]
    by_entity = direct_client.get("/events", params={"entity": "IP:10.0.0.1"}).json()["items"]
    assert [i["id"] for i in by_entity] == ["p-04", "p-03", "p-02", "p-01", "p-00"]
    windowed = direct_client.get(
        "/events", params={"since": "2024-03-14T10:00:02Z", "until": "2024-03-14T10:00:04Z"}
    ).json()["items"]
    assert [i["id"] for i in windowed] == ["p-03", "p-02"]
    assert direct_client.get("/events", params={"cursor": "garbage"}).status_code == 422
    assert direct_client.get("/events", params={"limit": "0"}).status_code == 422


def test_health_endpoints(direct_client: TestClient) -> None:
    assert direct_client.get("/health").json() == {"status": "ok"}
    ready = direct_client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["neo4j"] is True
    neo = direct_client.get("/health/neo4j").json()
    assert neo["status"] == "healthy"
    assert "password" not in json.dumps(neo)
    assert direct_client.get("/health/kafka").json()["status"] == "disabled"
    spec = direct_client.get("/openapi.json").json()
    assert set(spec["paths"]) >= {"/events", "/events/batch", "/events/{event_id}", "/health/ready"}
    assert (
        direct_client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )


def test_simplified_and_ocsf_ip_shapes_share_one_node(
    direct_client: TestClient, graph: Graph
) -> None:
    batch = [
        {
            "id": "simple",
            "event": {"class_uid": 4001, "src": {"type": "IP", "id": "2001:0DB8::0001"}},
        },
        {"id": "ocsf", "event": {"class_uid": 4001, "src_endpoint": {"ip": "2001:db8:0:0::1"}}},
        {"id": "both", "event": {"class_uid": 4001, "dst": {"type": "ip", "ip": "2001:DB8::1"}}},
    ]
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 201, response.text
    rows = graph.query(
        "MATCH (n:IP) OPTIONAL MATCH (e:Event)-[r]->(n) "
        "RETURN n.key AS key, n.address AS address, n.event_count AS count, "
        "collect(e.id + ' ' + type(r)) AS links"
    )
    assert len(rows) == 1, rows
    assert rows[0]["key"] == "IP:2001:db8::1"
    assert rows[0]["address"] == "2001:db8::1"
    assert rows[0]["count"] == 3
    assert sorted(rows[0]["links"]) == [
        "both HAS_DESTINATION",
        "ocsf HAS_SOURCE",
        "simple HAS_SOURCE",
    ]
