"""The Neo4j side of re-keying: rewrite stored events with the mapping in force.

An upgrade that changes entity keys (a local name such as `root` keyed by its host)
leaves the stored graph with the old keys. Every event keeps its source (`raw`,
`source_format`, `received_at`), so the graph can be rebuilt in place from it:

1. `associations`: the entity-to-entity relationships are deleted, `batch` at a time:
   they are counted per event and cannot be told apart by event, so they are rebuilt
   whole by step 2.
2. `events`: events are taken in id order after the cursor, `batch` at a time. In one
   transaction, each event of the batch is detached from its entities (each entity's
   `event_count` loses one), deleted, and written again through the writers' own
   `_write_batch` from its new mapping; entities no event links any more are deleted;
   the cursor moves to the batch's last id.

Each transaction is the whole of one batch, so a kill at any moment leaves every
committed batch rewritten and the cursor on it: running again resumes there. The
progress lives in one `(:Migration {name})` node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from neo4j import AsyncDriver, AsyncManagedTransaction

from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.repository import _write_batch, check_vocabulary

_PROGRESS: Final = """
MERGE (m:Migration {name: $name})
ON CREATE SET m.phase = 'associations', m.cursor = '', m.events = 0
RETURN m.phase AS phase, m.cursor AS cursor, m.events AS events
"""

_RESTART: Final = """
MERGE (m:Migration {name: $name})
SET m.phase = 'associations', m.cursor = '', m.events = 0
"""

_DELETE_ASSOCIATIONS: Final = """
MATCH ()-[r:ASSOCIATED_WITH]->()
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS deleted
"""

_ASSOCIATIONS_DONE: Final = """
MATCH (m:Migration {name: $name})
SET m.phase = 'events'
"""

_STORED_EVENTS: Final = """
MATCH (e:Event) WHERE e.id > $after
WITH e ORDER BY e.id LIMIT $batch
RETURN e.id AS id, e.raw AS raw, e.source_format AS source_format,
       e.received_at AS received_at
"""

# Each entity loses one per event that linked it, however many relationships joined
# them: the writers count them the same way (write_plan.entity_rows).
_DETACH_EVENTS: Final = """
UNWIND $ids AS id
MATCH (e:Event {id: id})
OPTIONAL MATCH (e)-[r]->(n:Entity)
WITH e, n, collect(r) AS rels
FOREACH (x IN CASE WHEN n IS NULL THEN [] ELSE [n] END | SET x.event_count = x.event_count - 1)
FOREACH (r IN rels | DELETE r)
WITH e, collect(n) AS entities
DETACH DELETE e
WITH entities
UNWIND entities AS n
WITH DISTINCT n
WHERE n.event_count <= 0 AND NOT EXISTS { (n)<-[]-(:Event) }
DETACH DELETE n
"""

_ADVANCE: Final = """
MATCH (m:Migration {name: $name})
SET m.cursor = $cursor, m.events = m.events + $count, m.phase = $phase
"""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """What an event was made from: enough to map it again."""

    id: str
    raw: str
    source_format: str
    received_at: Any  # a neo4j DateTime, turned into a datetime by the caller


@dataclass(frozen=True, slots=True)
class Progress:
    phase: str  # associations, events, done
    cursor: str
    events: int


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    rewritten: int
    # Events the mapping in force refuses: left exactly as they are, and named here.
    kept: tuple[str, ...]
    done: bool


Remap = Callable[[StoredEvent], GraphEvent | None]


class Rekeyer:
    def __init__(self, driver: AsyncDriver, database: str, name: str) -> None:
        self._driver = driver
        self._database = database
        self._name = name

    async def progress(self, *, restart: bool = False) -> Progress:
        async with self._driver.session(database=self._database) as session:
            if restart:
                await (await session.run(_RESTART, name=self._name)).consume()
            record = await (await session.run(_PROGRESS, name=self._name)).single(strict=True)
        return Progress(record["phase"], record["cursor"], record["events"])

    async def delete_associations(self, batch: int) -> int:
        """One bounded transaction; 0 once none is left (and the phase then moves on)."""
        async with self._driver.session(database=self._database) as session:
            record = await (await session.run(_DELETE_ASSOCIATIONS, batch=batch)).single(
                strict=True
            )
            deleted: int = record["deleted"]
            if deleted == 0:
                await (await session.run(_ASSOCIATIONS_DONE, name=self._name)).consume()
        return deleted

    async def rewrite_batch(self, after: str, batch: int, remap: Remap) -> tuple[str, BatchOutcome]:
        """The next `batch` events after `after`, rewritten in one transaction; returns
        the new cursor."""
        async with self._driver.session(database=self._database) as session:
            return await session.execute_write(self._rewrite, after, batch, remap)

    async def _rewrite(
        self, tx: AsyncManagedTransaction, after: str, batch: int, remap: Remap
    ) -> tuple[str, BatchOutcome]:
        result = await tx.run(_STORED_EVENTS, after=after, batch=batch)
        stored = [
            StoredEvent(r["id"], r["raw"], r["source_format"], r["received_at"])
            async for r in result
        ]
        if not stored:
            await (
                await tx.run(_ADVANCE, name=self._name, cursor=after, count=0, phase="done")
            ).consume()
            return after, BatchOutcome(0, (), done=True)
        events: list[GraphEvent] = []
        kept: list[str] = []
        for event in stored:
            mapped = remap(event)
            if mapped is None:
                kept.append(event.id)
            else:
                events.append(mapped)
        check_vocabulary(events)
        if events:
            await (await tx.run(_DETACH_EVENTS, ids=[e.id for e in events])).consume()
            await _write_batch(tx, events)
        cursor = stored[-1].id
        done = len(stored) < batch
        await (
            await tx.run(
                _ADVANCE,
                name=self._name,
                cursor=cursor,
                count=len(events),
                phase="done" if done else "events",
            )
        ).consume()
        return cursor, BatchOutcome(len(events), tuple(kept), done)
