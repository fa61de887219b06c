"""Indicators in the real graph: a File named with several hashes is found by any of them
(the common ones indexed), and OSINT indicators are entities of their event."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import Graph

MD5 = "0f343b0931126a20f133d67c2b018a3b"
SHA1 = "1" * 40
SHA256 = "2" * 64

EVENT = {
    "class_uid": 1001,
    "device": {"hostname": "build-04"},
    "file": {
        "path": "/usr/local/bin/helper",
        "hashes": [
            {"algorithm_id": 1, "value": MD5.upper()},
            {"algorithm_id": 2, "value": SHA1},
            {"algorithm_id": 3, "value": SHA256},
            {"algorithm_id": 5, "value": "48:QwErTy:UiOp"},
        ],
    },
}


def test_a_file_is_found_by_each_of_its_hashes(direct_client: TestClient, graph: Graph) -> None:
    response = direct_client.post("/events", json={"id": "hashes-1", "event": EVENT})
    assert response.status_code == 201, response.text
    for prop, value in (
        ("md5", MD5),
        ("sha1", SHA1),
        ("sha256", SHA256),
        ("ssdeep", "48:QwErTy:UiOp"),
    ):
        rows = graph.query(
            "MATCH (:Event {id: 'hashes-1'})-[:HAS_FILE]->(f:File) WHERE f[$prop] = $value "
            "RETURN f.key AS key",
            prop=prop,
            value=value,
        )
        assert rows == [{"key": f"File:sha256:{SHA256}"}], prop
    indexed = graph.query(
        "SHOW INDEXES YIELD name, labelsOrTypes, properties "
        "WHERE 'File' IN labelsOrTypes RETURN properties[0] AS prop"
    )
    assert {"md5", "sha1", "sha256"} <= {row["prop"] for row in indexed}


def test_osint_indicators_are_linked_in_the_graph(direct_client: TestClient, graph: Graph) -> None:
    event = {
        "class_uid": 5021,
        "osint": [
            {"type_id": 1, "value": "198.51.100.24"},
            {"type_id": 2, "value": "indicator.example"},
            {"type_id": 4, "value": SHA256},
        ],
    }
    response = direct_client.post("/events", json={"id": "osint-1", "event": event})
    assert response.status_code == 201, response.text
    rows = graph.query(
        "MATCH (:Event {id: 'osint-1'})-[r:HAS_OSINT]->(n:Entity) RETURN n.key AS key"
    )
    assert {row["key"] for row in rows} == {
        "IP:198.51.100.24",
        "Domain:indicator.example",
        f"File:sha256:{SHA256}",
    }
