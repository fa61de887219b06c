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

The events and associations are taken at most `pass_limit` per statement (a pass); the
caller runs passes until one sees fewer. Should an inner transaction still fail (a
deadlock, a timeout), `ON ERROR CONTINUE` lets the other batches go on, the statement
reports the rows whose batch failed, and the next pass takes them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, LiteralString

from neo4j import AsyncDriver


def _in_locked_chunks(
    *,
    match: LiteralString,
    row: LiteralString,
    entities: LiteralString,
    delete: LiteralString,
) -> LiteralString:
    """A pass that deletes up to $pass_limit of what `match` finds, in chunks of $batch;
    `row` is the statement's name for one of them, and its plural for their list.

    Deleting a row (an event, an association) locks the entities it links, which the
    writers lock too, in key order (write_plan sorts them). Taken row by row, in whatever
    order the rows come, those locks deadlock with the writers on every hot entity. So
    each inner transaction first locks all its chunk's entities (`entities` binds each to
    `n`) in key order (SET + REMOVE of a scratch property takes the write lock and leaves
    nothing behind), then deletes the chunk: the writers wait for it, or it for them, but
    neither holds what the other waits for.
    """
    rows = row + "s"
    return f"""
MATCH {match}
WITH {row} LIMIT $pass_limit
WITH collect({row}) AS {rows}
UNWIND range(0, size({rows}) - 1, $batch) AS start
CALL ({rows}, start) {{
  WITH {rows}[start..start + $batch] AS chunk
  UNWIND chunk AS {row}
  {entities}
  WITH chunk, n ORDER BY n.key
  WITH chunk, collect(DISTINCT n) AS entities
  FOREACH (n IN entities | SET n._retention_lock = true REMOVE n._retention_lock)
  FOREACH ({row} IN chunk | {delete} {row})
}} IN TRANSACTIONS OF 1 ROWS ON ERROR CONTINUE REPORT STATUS AS s
RETURN max(size({rows})) AS matched,
       sum(CASE WHEN s.committed THEN 0 ELSE size({rows}[start..start + $batch]) END) AS failed_rows,
       head(collect(s.errorMessage)) AS error
"""


# Only events before the cutoff match, so a writer's new events are never touched. A
# replay of a deleted event is created again, and the next run deletes it again.
DELETE_EVENTS: Final[LiteralString] = _in_locked_chunks(
    match="(ev:Event) WHERE ev.time < $cutoff",
    row="ev",
    entities="OPTIONAL MATCH (ev)-->(n:Entity)",
    delete="DETACH DELETE",
)

# Entity-to-entity relationships (the schema's associations) carry their own last_seen;
# one not seen within the window goes even when both entities stay.
DELETE_ASSOCIATIONS: Final[LiteralString] = _in_locked_chunks(
    match="(:Entity)-[rel]->(:Entity) WHERE rel.last_seen < $cutoff",
    row="rel",
    entities="UNWIND [startNode(rel), endNode(rel)] AS n",
    delete="DELETE",
)

# The outer MATCH reads without locks, so a writer may link the entity between it and the
# delete. SET + REMOVE of a scratch property takes the entity's write lock first (waiting
# for a writer that holds it) and leaves nothing behind; the conditions are checked again
# under that lock, on the committed state: an entity a writer has just linked has a fresh
# last_seen and an event, and stays. Without the lock, DETACH DELETE would take the
# writer's new relationship with it. Locks are taken in key order, the order in which the
# writer locks entities (write_plan sorts them), which keeps deadlocks with it rare.
DELETE_ENTITIES: Final[LiteralString] = """
MATCH (n:Entity) WHERE n.last_seen < $cutoff AND NOT EXISTS { (n)<--(:Event) }
WITH n ORDER BY n.key
CALL (n) {
  SET n._retention_lock = true
  REMOVE n._retention_lock
  WITH n WHERE n.last_seen < $cutoff AND NOT EXISTS { (n)<--(:Event) }
  DETACH DELETE n
} IN TRANSACTIONS OF $batch ROWS ON ERROR CONTINUE REPORT STATUS AS s
RETURN count(*) AS matched,
       count(CASE WHEN s.committed THEN NULL ELSE 1 END) AS failed_rows,
       head(collect(s.errorMessage)) AS error
"""


@dataclass(frozen=True, slots=True)
class Pass:
    """One run of a statement: what it deleted, and the rows of inner transactions that
    failed (a deadlock with a writer, typically) and are still there for another pass."""

    nodes: int
    relationships: int
    # Rows the pass looked at: a pass that saw fewer than its limit has seen them all.
    matched: int
    failed_rows: int
    error: str | None


async def run_pass(
    driver: AsyncDriver,
    database: str,
    statement: LiteralString,
    cutoff: datetime,
    batch: int,
    pass_limit: int,
) -> Pass:
    """Run one of the statements above once; what it deleted comes from the summary."""
    async with driver.session(database=database) as session:
        result = await session.run(statement, cutoff=cutoff, batch=batch, pass_limit=pass_limit)
        record = await result.single(strict=True)
        summary = await result.consume()
    counters = summary.counters
    return Pass(
        counters.nodes_deleted,
        counters.relationships_deleted,
        record["matched"] or 0,
        record["failed_rows"] or 0,
        record["error"],
    )
