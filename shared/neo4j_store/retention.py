"""The Neo4j side of retention: delete what is older than a cutoff, in bounded transactions.

Three statements, run in this order, each safe to repeat and to interrupt:

1. Events whose `time` is before the cutoff (the `event_time` index finds them).
2. Entity-to-entity relationships whose `last_seen` is before the cutoff.
3. Entities whose `last_seen` is before the cutoff and that no event links any more.

Entity counters (`event_count`, `first_seen`, `last_seen`) are never touched: they count
what was seen, not what is still stored. `CALL { ... } IN TRANSACTIONS` commits every
`batch` rows, which needs an auto-commit transaction (`session.run`): `execute_write`
would wrap it in an explicit transaction, which Neo4j refuses for it. A kill between
batches leaves every committed batch deleted and the rest in place; running again
deletes the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, LiteralString

from neo4j import AsyncDriver

# Only events before the cutoff match, so a writer's new events are never touched. A
# replay of a deleted event is created again, and the next run deletes it again.
DELETE_EVENTS: Final[LiteralString] = """
MATCH (ev:Event) WHERE ev.time < $cutoff
CALL (ev) { DETACH DELETE ev } IN TRANSACTIONS OF $batch ROWS
"""

# Entity-to-entity relationships (the schema's associations) carry their own last_seen;
# one not seen within the window goes even when both entities stay.
DELETE_ASSOCIATIONS: Final[LiteralString] = """
MATCH (:Entity)-[r]->(:Entity) WHERE r.last_seen < $cutoff
CALL (r) { DELETE r } IN TRANSACTIONS OF $batch ROWS
"""

# The outer MATCH reads without locks, so a writer may link the entity between it and the
# delete. SET + REMOVE of a scratch property takes the entity's write lock first (waiting
# for a writer that holds it) and leaves nothing behind; the conditions are checked again
# under that lock, on the committed state: an
# entity a writer has just linked has a fresh last_seen and an event, and stays. Without
# the lock, DETACH DELETE would take the writer's new relationship with it.
DELETE_ENTITIES: Final[LiteralString] = """
MATCH (n:Entity) WHERE n.last_seen < $cutoff AND NOT EXISTS { (n)<--(:Event) }
CALL (n) {
  SET n._retention_lock = true
  REMOVE n._retention_lock
  WITH n WHERE n.last_seen < $cutoff AND NOT EXISTS { (n)<--(:Event) }
  DETACH DELETE n
} IN TRANSACTIONS OF $batch ROWS
"""


@dataclass(frozen=True, slots=True)
class Deleted:
    nodes: int
    relationships: int


async def run_batched(
    driver: AsyncDriver,
    database: str,
    statement: LiteralString,
    cutoff: datetime,
    batch: int,
) -> Deleted:
    """Run one of the statements above to the end; what it deleted, from the summary."""
    async with driver.session(database=database) as session:
        result = await session.run(statement, cutoff=cutoff, batch=batch)
        summary = await result.consume()
    counters = summary.counters
    return Deleted(counters.nodes_deleted, counters.relationships_deleted)
