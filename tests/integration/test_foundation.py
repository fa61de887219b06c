"""The real servers answer: a record round-trips through Kafka, a node through Neo4j."""

from __future__ import annotations

from tests.conftest import Graph, Services
from tests.integration.kafka_helpers import create_topic, produce_raw, read_all


async def test_record_round_trips_through_the_broker(services: Services, topic: str) -> None:
    await create_topic(services.kafka_bootstrap, topic, partitions=1)
    await produce_raw(services.kafka_bootstrap, topic, b"k1", b'{"hello": "kafka"}')
    records = await read_all(services.kafka_bootstrap, topic, expected=1)
    assert [(r.key, r.value) for r in records] == [(b"k1", b'{"hello": "kafka"}')]


def test_node_round_trips_through_neo4j(graph: Graph) -> None:
    graph.query("CREATE (:Probe {name: $name})", name="neo4j-works")
    assert graph.value("MATCH (p:Probe) RETURN p.name AS n") == "neo4j-works"
