from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from shared.mapping.graph_model import Entity, GraphEvent, Link
from shared.neo4j_store.write_plan import (
    dedupe_events,
    entity_rows,
    indexed_association_rows,
    link_rows,
    linked_entity_rows,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def event(event_id: str, minutes: int, *entities: Entity, rel: str = "HAS_SOURCE") -> GraphEvent:
    return GraphEvent(
        id=event_id,
        time=T0 + timedelta(minutes=minutes),
        received_at=T0,
        source_format="ocsf",
        props={"class_uid": 1},
        raw="{}",
        links=tuple(Link(rel, e) for e in entities),
    )


def user(name: str | None) -> Entity:
    return Entity("User:u1", "User", "User", {"name": name} if name else {})


def test_dedupe_keeps_first_and_sorts() -> None:
    a1, b, a2 = event("a", 1), event("b", 2), event("a", 3)
    assert dedupe_events([b, a1, a2]) == [a1, b]


def test_entity_counted_once_per_event_even_with_two_links() -> None:
    ip = Entity("IP:10.0.0.1", "IP", "IP", {"address": "10.0.0.1"})
    e = GraphEvent(
        "x", T0, T0, "ocsf", {}, "{}", (Link("HAS_SOURCE", ip), Link("HAS_DESTINATION", ip))
    )
    (row,) = entity_rows([e])
    assert row["count"] == 1
    assert len(link_rows([e])) == 2


def test_aggregate_is_order_independent() -> None:
    events = [event("e1", 5, user("old")), event("e2", 10, user(None)), event("e3", 7, user("mid"))]
    results = {repr(entity_rows(list(p))) for p in itertools.permutations(events)}
    assert len(results) == 1
    (row,) = entity_rows(events)
    assert row["count"] == 3
    assert row["first_seen"] == (T0 + timedelta(minutes=5)).isoformat()
    assert row["last_seen"] == (T0 + timedelta(minutes=10)).isoformat()
    # e2 is the latest but carries no name: the name comes from the latest event that has one.
    assert [a["value"] for a in row["attrs"]] == ["mid"]
    assert row["labels"] == ["User"]


def test_unlabelled_entity_gets_no_label() -> None:
    odd = Entity("Router:r1", "Router", None, {})
    (row,) = entity_rows([event("e", 0, odd)])
    assert row["labels"] == []
    assert row["type"] == "Router"


def test_linked_entity_rows_carry_each_events_relationships_by_node() -> None:
    ip = Entity("IP:10.0.0.1", "IP", "IP", {"address": "10.0.0.1"})
    e1 = GraphEvent(
        "e1", T0, T0, "ocsf", {}, "{}", (Link("HAS_SOURCE", ip), Link("HAS_DESTINATION", ip))
    )
    e2 = event("e2", 1, user("alice"), ip)
    rows = linked_entity_rows([e1, e2], {"e1": "4:x:1", "e2": "4:x:2"})
    assert [r["key"] for r in rows] == ["IP:10.0.0.1", "User:u1"]
    assert rows[0]["count"] == 2
    assert rows[0]["links"] == [
        {"event": "4:x:1", "rel": "HAS_SOURCE"},
        {"event": "4:x:1", "rel": "HAS_DESTINATION"},
        {"event": "4:x:2", "rel": "HAS_SOURCE"},
    ]
    assert rows[1]["links"] == [{"event": "4:x:2", "rel": "HAS_SOURCE"}]


def test_indexed_associations_point_at_entity_rows() -> None:
    ip = Entity("IP:10.0.0.1", "IP", "IP", {})
    e = GraphEvent(
        "e",
        T0,
        T0,
        "ocsf",
        {},
        "{}",
        (Link("HAS_USER", user("a")), Link("HAS_SOURCE", ip)),
        associations=(("IP:10.0.0.1", "User:u1"),),
    )
    rows = linked_entity_rows([e], {"e": "n"})
    (pair,) = indexed_association_rows([e], rows)
    assert (rows[pair["a"]]["key"], rows[pair["b"]]["key"]) == ("IP:10.0.0.1", "User:u1")
    assert pair["count"] == 1


def test_an_association_with_an_unlinked_entity_is_refused() -> None:
    e = GraphEvent(
        "e", T0, T0, "ocsf", {}, "{}", (Link("HAS_USER", user("a")),),
        associations=(("IP:10.0.0.9", "User:u1"),),
    )  # fmt: skip
    with pytest.raises(ValueError, match="not linked"):
        indexed_association_rows([e], linked_entity_rows([e], {"e": "n"}))
