"""The repository refuses labels and relationship types outside the allowlists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from neo4j import AsyncGraphDatabase

from shared.mapping.graph_model import Entity, GraphEvent, Link
from shared.mapping.vocabulary import ENTITY_LABELS, RELATIONSHIP_TYPES
from shared.neo4j_store.repository import GraphRepository, check_vocabulary

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def event(rel: str, label: str | None) -> GraphEvent:
    entity = Entity(f"{label or 'Widget'}:x", label or "Widget", label, {})
    return GraphEvent("e-1", T0, T0, "ocsf", {"class_uid": 1}, "{}", (Link(rel, entity),))


@pytest.mark.parametrize(
    ("rel", "label", "named"),
    [
        ("HAS_SOURCE", "Admin", "entity label 'Admin'"),
        ("HAS_SOURCE", "User`) DETACH DELETE (n", "entity label"),
        ("OWNS", "User", "relationship type 'OWNS'"),
        ("HAS_SOURCE]->() DETACH DELETE ev //", None, "relationship type"),
    ],
)
async def test_write_refuses_unknown_names_before_any_query(
    rel: str, label: str | None, named: str
) -> None:
    # Nothing listens on port 1: had the check let the batch through, the write would
    # fail with StoreUnavailable instead of the ValueError expected here.
    driver = AsyncGraphDatabase.driver("bolt://127.0.0.1:1", auth=("neo4j", "x"))
    try:
        repository = GraphRepository(driver, "neo4j")
        ok = event("HAS_SOURCE", "User")
        with pytest.raises(ValueError, match=named):
            await repository.write_events([ok, event(rel, label)])
    finally:
        await driver.close()


def test_every_allowlisted_name_passes() -> None:
    check_vocabulary([event(rel, label) for rel in RELATIONSHIP_TYPES for label in ENTITY_LABELS])
    check_vocabulary([event("HAS_SOURCE", None)])
