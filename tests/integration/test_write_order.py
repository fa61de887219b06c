"""The repository's write, in the real Neo4j: any batches, in any order, any number of
times, concurrently or not, give the same graph, counters and attributes included."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from neo4j import AsyncDriver, AsyncGraphDatabase

from bench.backends import graph_events
from bench.events import EventGenerator
from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.repository import GraphRepository
from tests.conftest import Graph, Services


@pytest.fixture
async def repository(services: Services, graph: Graph) -> AsyncIterator[GraphRepository]:
    driver: AsyncDriver = AsyncGraphDatabase.driver(
        services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password)
    )
    yield GraphRepository(driver, "neo4j")
    await driver.close()


def _plain(value: Any) -> Any:
    return value.iso_format() if hasattr(value, "iso_format") else value


def snapshot(graph: Graph) -> tuple[list[Any], list[Any]]:
    nodes = graph.query(
        "MATCH (n) RETURN coalesce(n.key, n.id) AS k, labels(n) AS l, properties(n) AS p ORDER BY k"
    )
    rels = graph.query(
        "MATCH (a)-[r]->(b) RETURN coalesce(a.key, a.id) AS a, type(r) AS t, "
        "coalesce(b.key, b.id) AS b, properties(r) AS p ORDER BY a, t, b"
    )
    return (
        [(n["k"], sorted(n["l"]), {k: _plain(v) for k, v in n["p"].items()}) for n in nodes],
        [(r["a"], r["t"], r["b"], {k: _plain(v) for k, v in r["p"].items()}) for r in rels],
    )


async def write_all(repository: GraphRepository, batches: Sequence[Sequence[GraphEvent]]) -> None:
    for batch in batches:
        await repository.write_events(batch)


async def test_batches_in_any_order_and_replayed_give_one_graph(
    repository: GraphRepository, graph: Graph
) -> None:
    events = graph_events(EventGenerator(7), [f"o-{i:04d}" for i in range(400)])
    assert any(e.associations for e in events)
    batches = [events[i : i + 50] for i in range(0, len(events), 50)]
    await write_all(repository, batches)
    expected = snapshot(graph)
    assert len(expected[0]) > 400

    graph.wipe()
    shuffled = list(events)
    random.Random(3).shuffle(shuffled)
    reordered = [shuffled[i : i + 70] for i in range(0, len(shuffled), 70)][::-1]
    # Two at a time, with overlapping batches and whole replays among them.
    halves = [reordered[::2] + reordered[:2], [*reordered[1::2], events[100:200]]]
    await asyncio.gather(*(write_all(repository, h) for h in halves))
    await write_all(repository, batches[::-1])
    assert snapshot(graph) == expected
