"""The Neo4j repository: schema, the batched idempotent write, and the reads' I/O.

Every query is a literal string; data only travels as parameters.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, LiteralString

import neo4j
from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    TransientError,
)

from shared.core.errors import BlueprintError, StoreUnavailable
from shared.mapping.graph_model import FILE_HASH_PROPERTIES, GraphEvent
from shared.mapping.vocabulary import check_links
from shared.neo4j_store.driver import store_error
from shared.neo4j_store.error_codes import rejects_the_data
from shared.neo4j_store.event_reads import (
    GET_EVENT,
    LIST_EVENTS,
    EventFilter,
    EventPage,
    decode_cursor,
    encode_cursor,
    entity_out,
    event_out,
)
from shared.neo4j_store.write_plan import (
    dedupe_events,
    event_rows,
    indexed_association_rows,
    linked_entity_rows,
)

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (n:Entity) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX event_time IF NOT EXISTS FOR (e:Event) ON (e.time)",
    "CREATE INDEX event_class_uid IF NOT EXISTS FOR (e:Event) ON (e.class_uid)",
    # A File is keyed by one hash but found by any: the common look-ups are indexed.
    "CREATE INDEX file_md5 IF NOT EXISTS FOR (f:File) ON (f.md5)",
    "CREATE INDEX file_sha1 IF NOT EXISTS FOR (f:File) ON (f.sha1)",
    "CREATE INDEX file_sha256 IF NOT EXISTS FOR (f:File) ON (f.sha256)",
)

# `_batch` marks the nodes this transaction created, so only their entities are counted.
# Their element ids come back with their ids: the next query finds each by element id
# (a direct store read) instead of looking its id up in the constraint's index again.
_CREATE_EVENTS: Final = """
UNWIND $events AS e
MERGE (ev:Event {id: e.id})
ON CREATE SET ev += e.props, ev.time = datetime(e.time), ev.received_at = datetime(e.received_at),
              ev._batch = $batch
WITH ev WHERE ev._batch = $batch
REMOVE ev._batch
RETURN collect([ev.id, elementId(ev)]) AS created
"""

# One query for the rest of the batch, with each entity node in hand once it is merged.
# Counters add the batch's aggregate; times keep min/max; each attribute keeps the value
# of the highest-ranked event that carried it. All three commute, so batches may land in
# any order and the graph comes out the same. Only the attributes whose rank is higher
# than the stored one are written (FOREACH over the filtered list): a hot entity seen
# again writes its counters and nothing else. Times arrive as ISO-8601 text and become
# datetimes in the server: the driver's pure-Python datetime encoding cost more client CPU
# than everything else in the write together.
# A File's `hashes` lists every hash it holds, one per algorithm property, rebuilt from
# the stored properties whenever a batch brings one: the union over all its events, in a
# fixed order, so it commutes too. Neo4j indexes no list by its members: `$h IN f.hashes`
# scans the File label, while `f.md5 = $h` (and sha1, sha256) uses its index.
# The relationships from the events are created from the entity node in hand and the
# event node found by element id. The associations then take both ends from the list of
# merged entities, by position (rows and list both in key order): no lookup at all.
# Entities are merged in key order and events were in id order, so concurrent batches
# take their locks in one order.
_UPSERT_ENTITIES: Final = """
UNWIND $entities AS u
WITH u, datetime(u.first_seen) AS first_seen, datetime(u.last_seen) AS last_seen
MERGE (n:Entity {key: u.key})
ON CREATE SET n.type = u.type, n.event_count = 0, n.first_seen = first_seen,
              n.last_seen = last_seen
SET n:$(u.labels),
    n.event_count = n.event_count + u.count,
    n.first_seen = CASE WHEN first_seen < n.first_seen THEN first_seen ELSE n.first_seen END,
    n.last_seen = CASE WHEN last_seen > n.last_seen THEN last_seen ELSE n.last_seen END
FOREACH (a IN [a IN u.attrs WHERE coalesce(n['_rank_' + a.name], '') < a.rank] |
  SET n[a.name] = a.value, n['_rank_' + a.name] = a.rank)
FOREACH (h IN CASE WHEN any(a IN u.attrs WHERE a.name IN $hash_properties)
                   THEN [[p IN $hash_properties WHERE n[p] IS NOT NULL | n[p]]] ELSE [] END |
  SET n.hashes = h)
WITH n, u
CALL (n, u) {
  UNWIND u.links AS l
  MATCH (ev) WHERE elementId(ev) = l.event
  CREATE (ev)-[:$(l.rel)]->(n)
}
WITH n, u ORDER BY u.key
WITH collect(n) AS nodes
UNWIND $pairs AS p
WITH nodes[p.a] AS a, nodes[p.b] AS b, p, datetime(p.first_seen) AS first_seen,
     datetime(p.last_seen) AS last_seen
MERGE (a)-[r:ASSOCIATED_WITH]->(b)
ON CREATE SET r.event_count = 0, r.first_seen = first_seen, r.last_seen = last_seen
SET r.event_count = r.event_count + p.count,
    r.first_seen = CASE WHEN first_seen < r.first_seen THEN first_seen ELSE r.first_seen END,
    r.last_seen = CASE WHEN last_seen > r.last_seen THEN last_seen ELSE r.last_seen END
"""

_EXISTING_IDS: Final = """
MATCH (e:Event) WHERE e.id IN $ids
RETURN collect(e.id) AS ids
"""

# A read that fails for one of these cannot be served now but may be later. Any other
# Neo4jError (a ClientError from the query itself) is a bug and stays one.
_READ_UNAVAILABLE: Final = (DriverError, TransientError, AuthError, OSError)


class WriteRejected(BlueprintError):
    """Neo4j refused the data itself; retrying the same batch cannot succeed."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    created: int
    already_present: int
    # The ids of the batch that were stored before it (the `already_present` events).
    existing_ids: frozenset[str] = frozenset()


class GraphRepository:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database
        self._schema_ready = False

    async def ping(self) -> None:
        try:
            await self._driver.verify_connectivity()
        except (DriverError, Neo4jError, OSError) as exc:
            raise store_error("Neo4j unreachable", exc) from exc

    async def ensure_schema(self) -> None:
        try:
            # `IF NOT EXISTS` on a second start makes the server say so for every statement;
            # the driver would log each as a notification, which is noise, not news.
            async with self._driver.session(
                database=self._database,
                notifications_disabled_classifications=[
                    neo4j.NotificationDisabledClassification.SCHEMA
                ],
            ) as session:
                for statement in SCHEMA:
                    await (await session.run(statement)).consume()
        except (DriverError, Neo4jError, OSError) as exc:
            raise store_error("Neo4j schema setup failed", exc) from exc
        self._schema_ready = True

    async def write_events(self, events: Sequence[GraphEvent]) -> WriteResult:
        """Write a batch in one transaction; safe to repeat, in any order, any number of times."""
        check_vocabulary(events)
        unique = dedupe_events(events)
        if not unique:
            return WriteResult(0, 0)
        if not self._schema_ready:
            # The unique constraints are what make concurrent MERGEs safe: never write without.
            await self.ensure_schema()
        try:
            async with self._driver.session(database=self._database) as session:
                new_ids = await session.execute_write(_write_batch, unique)
        except Neo4jError as exc:
            # Only the status code tells a bad record from a store that cannot write now
            # (wrong password, missing or read-only database): never dead-letter the latter.
            if rejects_the_data(exc.code):
                raise WriteRejected(
                    f"Neo4j rejected the batch: {exc.code}: {(exc.message or '')[:300]}"
                ) from exc
            raise StoreUnavailable(f"Neo4j refused the write: {exc.code}") from exc
        except (DriverError, OSError) as exc:
            raise store_error("Neo4j write failed", exc) from exc
        existing = frozenset(e.id for e in unique if e.id not in new_ids)
        return WriteResult(len(new_ids), len(existing), existing)

    async def existing_event_ids(self, ids: Sequence[str], timeout_s: float) -> frozenset[str]:
        """Which of `ids` are stored already: one read, one attempt, at most `timeout_s`.

        No retry: the caller can do without the answer and must not wait for it.
        """
        try:
            async with asyncio.timeout(timeout_s):
                async with self._driver.session(
                    database=self._database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    result = await session.run(_EXISTING_IDS, ids=list(ids))
                    record = await result.single(strict=True)
        except (*_READ_UNAVAILABLE, TimeoutError) as exc:
            raise StoreUnavailable(f"Neo4j read failed: {type(exc).__name__}") from exc
        return frozenset(record["ids"])

    async def get_event(self, event_id: str) -> dict[str, Any] | None:
        records = await self._read(GET_EVENT, id=event_id)
        if not records:
            return None
        event = event_out(records[0]["event"])
        event["entities"] = [entity_out(e) for e in records[0]["entities"]]
        return event

    async def list_events(self, filters: EventFilter, cursor: str | None, limit: int) -> EventPage:
        after_time, after_id = decode_cursor(cursor) if cursor else (None, None)
        records = await self._read(
            LIST_EVENTS,
            class_uid=filters.class_uid,
            since=filters.since,
            until=filters.until,
            entity=filters.entity,
            after_time=after_time,
            after_id=after_id,
            limit=limit,
        )
        items = [event_out(r["event"]) for r in records]
        next_cursor = None
        if len(records) == limit:
            last = records[-1]["event"]
            next_cursor = encode_cursor(last["time"].to_native(), last["id"])
        return EventPage(items, next_cursor)

    async def _read(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        try:
            records, _, _ = await self._driver.execute_query(
                query,
                parameters_=params,
                database_=self._database,
                routing_=neo4j.RoutingControl.READ,
            )
        except _READ_UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j read failed: {type(exc).__name__}") from exc
        return records


def check_vocabulary(events: Sequence[GraphEvent]) -> None:
    """Refuse any label or relationship type outside the allowlists before anything
    reaches Neo4j: here a ValueError is a programming error, as a future mapping bug
    must not reshape the schema."""
    for event in events:
        check_links(event.links)


async def _write_batch(tx: AsyncManagedTransaction, events: list[GraphEvent]) -> set[str]:
    # A fresh token per attempt: execute_write may run this function again after a
    # transient failure, and the rolled-back attempt must not be mistaken for this one.
    batch = str(uuid.uuid4())
    result = await tx.run(_CREATE_EVENTS, events=event_rows(events), batch=batch)
    # One record holding every new event: streaming a record per event cost more than
    # the write.
    record = await result.single(strict=True)
    created: dict[str, str] = dict(record["created"])
    new_events = [e for e in events if e.id in created]
    if new_events:
        entities = linked_entity_rows(new_events, created)
        pairs = indexed_association_rows(new_events, entities)
        await (
            await tx.run(
                _UPSERT_ENTITIES,
                entities=entities,
                pairs=pairs,
                hash_properties=FILE_HASH_PROPERTIES,
            )
        ).consume()
    return set(created)
