"""The floor of the graph write, and the write as it was before issue 17, for comparison.

The floor is the simplest Cypher that builds the same graph from the same rows without
idempotency: MERGE the entities with `SET n += attrs`, CREATE the events and the
event -> entity relationships from the event node in hand, MERGE the associations. It is
not safe to replay (a second run duplicates events and relationships) and exists only to
measure how far the real write is from the least Neo4j can do for this graph.

`write_before` is `_write_batch` of shared/neo4j_store/repository.py at commit 1af56ad,
kept so one run can measure the write before and after a change of its Cypher.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from neo4j import AsyncDriver, AsyncManagedTransaction

from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.repository import check_vocabulary
from shared.neo4j_store.write_plan import (
    association_rows,
    dedupe_events,
    entity_rows,
    event_rows,
    link_rows,
)

# Entities first, so the events can link to them in the same pass that creates them.
_FLOOR_ENTITIES: Final = """
UNWIND $entities AS u
MERGE (n:Entity {key: u.key})
SET n:$(u.labels), n += u.attrs, n.event_count = coalesce(n.event_count, 0) + u.count,
    n.first_seen = datetime(u.first_seen), n.last_seen = datetime(u.last_seen)
"""

_FLOOR_EVENTS: Final = """
UNWIND $events AS e
CREATE (ev:Event {id: e.id})
SET ev += e.props, ev.time = datetime(e.time), ev.received_at = datetime(e.received_at)
WITH ev, e
UNWIND e.links AS l
MATCH (n:Entity {key: l.key})
CREATE (ev)-[:$(l.rel)]->(n)
"""

_FLOOR_ASSOCIATE: Final = """
UNWIND $pairs AS p
MATCH (a:Entity {key: p.a})
MATCH (b:Entity {key: p.b})
MERGE (a)-[r:ASSOCIATED_WITH]->(b)
SET r.event_count = coalesce(r.event_count, 0) + p.count,
    r.first_seen = datetime(p.first_seen), r.last_seen = datetime(p.last_seen)
"""


def floor_params(events: Sequence[GraphEvent]) -> dict[str, list[dict[str, Any]]]:
    """The same rows the real write sends, reshaped for the floor's queries."""
    entities = [
        {
            "key": u["key"],
            "labels": u["labels"],
            "count": u["count"],
            "first_seen": u["first_seen"],
            "last_seen": u["last_seen"],
            "attrs": {"type": u["type"], **{a["name"]: a["value"] for a in u["attrs"]}},
        }
        for u in entity_rows(events)
    ]
    by_event: dict[str, list[dict[str, str]]] = {}
    for link in link_rows(events):
        by_event.setdefault(link["event_id"], []).append({"rel": link["rel"], "key": link["key"]})
    rows = event_rows(events)
    for row in rows:
        row["links"] = by_event.get(row["id"], [])
    return {"entities": entities, "events": rows, "pairs": association_rows(events)}


async def _floor_batch(tx: AsyncManagedTransaction, params: dict[str, Any]) -> None:
    await (await tx.run(_FLOOR_ENTITIES, entities=params["entities"])).consume()
    await (await tx.run(_FLOOR_EVENTS, events=params["events"])).consume()
    if params["pairs"]:
        await (await tx.run(_FLOOR_ASSOCIATE, pairs=params["pairs"])).consume()


async def write_floor(driver: AsyncDriver, database: str, events: Sequence[GraphEvent]) -> None:
    """One transaction, like write_events; the batch must not be in the graph yet."""
    check_vocabulary(events)
    params = floor_params(dedupe_events(events))
    async with driver.session(database=database) as session:
        await session.execute_write(_floor_batch, params)


# --- the write before issue 17 (repository.py at 1af56ad) ------------------------------

_BEFORE_EVENTS: Final = """
UNWIND $events AS e
MERGE (ev:Event {id: e.id})
ON CREATE SET ev += e.props, ev.time = datetime(e.time), ev.received_at = datetime(e.received_at),
              ev._batch = $batch
WITH ev WHERE ev._batch = $batch
REMOVE ev._batch
RETURN collect(ev.id) AS ids
"""

_BEFORE_ENTITIES: Final = """
UNWIND $entities AS u
WITH u, datetime(u.first_seen) AS first_seen, datetime(u.last_seen) AS last_seen
MERGE (n:Entity {key: u.key})
ON CREATE SET n.type = u.type, n.event_count = 0, n.first_seen = first_seen,
              n.last_seen = last_seen
SET n:$(u.labels),
    n.event_count = n.event_count + u.count,
    n.first_seen = CASE WHEN first_seen < n.first_seen THEN first_seen ELSE n.first_seen END,
    n.last_seen = CASE WHEN last_seen > n.last_seen THEN last_seen ELSE n.last_seen END
WITH n, u
UNWIND u.attrs AS a
WITH n, a, coalesce(n['_rank_' + a.name], '') < a.rank AS newer
SET n[a.name] = CASE WHEN newer THEN a.value ELSE n[a.name] END,
    n['_rank_' + a.name] = CASE WHEN newer THEN a.rank ELSE n['_rank_' + a.name] END
"""

_BEFORE_LINK: Final = """
UNWIND $links AS l
MATCH (ev:Event {id: l.event_id})
MATCH (n:Entity {key: l.key})
CREATE (ev)-[:$(l.rel)]->(n)
"""

_BEFORE_ASSOCIATE: Final = """
UNWIND $pairs AS p
MATCH (a:Entity {key: p.a})
MATCH (b:Entity {key: p.b})
MERGE (a)-[r:ASSOCIATED_WITH]->(b)
ON CREATE SET r.event_count = 0, r.first_seen = datetime(p.first_seen),
              r.last_seen = datetime(p.last_seen)
SET r.event_count = r.event_count + p.count,
    r.first_seen = CASE WHEN datetime(p.first_seen) < r.first_seen THEN datetime(p.first_seen)
                   ELSE r.first_seen END,
    r.last_seen = CASE WHEN datetime(p.last_seen) > r.last_seen THEN datetime(p.last_seen)
                  ELSE r.last_seen END
"""


async def _before_batch(tx: AsyncManagedTransaction, events: list[GraphEvent]) -> None:
    batch = str(uuid.uuid4())
    result = await tx.run(_BEFORE_EVENTS, events=event_rows(events), batch=batch)
    record = await result.single(strict=True)
    new_ids = set(record["ids"])
    new_events = [e for e in events if e.id in new_ids]
    if new_events:
        await (await tx.run(_BEFORE_ENTITIES, entities=entity_rows(new_events))).consume()
        await (await tx.run(_BEFORE_LINK, links=link_rows(new_events))).consume()
        pairs = association_rows(new_events)
        if pairs:
            await (await tx.run(_BEFORE_ASSOCIATE, pairs=pairs)).consume()


async def write_before(driver: AsyncDriver, database: str, events: Sequence[GraphEvent]) -> None:
    check_vocabulary(events)
    unique = dedupe_events(events)
    async with driver.session(database=database) as session:
        await session.execute_write(_before_batch, unique)
