"""A fetched batch: records decoded and mapped to graph events, or set aside (dead letters)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TypeAlias

from aiokafka.structs import ConsumerRecord

from graph_writer import metrics
from shared.core.errors import InvalidEvent
from shared.kafka_io.codec import EventRecord, decode_record
from shared.mapping.graph_model import GraphEvent
from shared.mapping.graph_wire import graph_from_wire
from shared.mapping.to_graph import stored_raw, to_graph_event
from shared.neo4j_store.reject_isolation import Isolated

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord


@dataclass(frozen=True, slots=True)
class Item:
    source: Record
    event: GraphEvent


@dataclass(frozen=True, slots=True)
class Batch:
    records: list[Record]
    items: list[Item]
    # Records that cannot be decoded or mapped, with the reason: never writable.
    undecodable: list[tuple[Record, str]]

    def dead(self, written: Isolated[Item]) -> list[tuple[Record, str]]:
        """Every record of the batch that goes to the dead-letter topic, with the reason."""
        return self.undecodable + [(item.source, str(error)) for item, error in written.rejected]

    def written_items(self, written: Isolated[Item]) -> list[Item]:
        """The items now in the graph: all but those Neo4j rejected."""
        rejected = {id(item) for item, _ in written.rejected}
        return [item for item in self.items if id(item) not in rejected]


# Records decoded and mapped between two yields to the event loop. The write of the
# previous batch runs on the same loop and needs it at each of its round trips to Neo4j;
# one long CPU stretch here would leave Neo4j idle, waiting for the next query. Mapping
# costs some tens of microseconds a record, so a slice is about a millisecond.
_PREPARE_SLICE = 16


async def prepare(records: list[Record]) -> Batch:
    items: list[Item] = []
    undecodable: list[tuple[Record, str]] = []
    for index, record in enumerate(records):
        if index % _PREPARE_SLICE == _PREPARE_SLICE - 1:
            await asyncio.sleep(0)
        try:
            event = graph_event(decode_record(record.value))
        except InvalidEvent as exc:
            undecodable.append((record, f"InvalidEvent: {exc}"))
        except Exception as exc:  # any failure of the pure mapping
            # The mapping is pure: what fails once fails on every delivery, so the record
            # is dead-lettered (with the reason, for a replay once the mapping is fixed)
            # rather than holding its partition forever.
            log.exception("record cannot be mapped", extra={"offset": record.offset})
            undecodable.append((record, f"mapping failed: {type(exc).__name__}: {exc}"))
        else:
            items.append(Item(record, event))
    if undecodable:
        metrics.UNMAPPABLE.inc(len(undecodable))
    return Batch(records, items, undecodable)


def graph_event(record: EventRecord) -> GraphEvent:
    """The event mapped here; for a version 1 record that carries the graph its API
    mapped, that graph (`docs/kafka_integration.md`, "Record format")."""
    if record.graph is None:
        return to_graph_event(record.id, record.source_format, record.event, record.received_at)
    raw = stored_raw(record.event)
    return graph_from_wire(record.graph, record.id, record.source_format, record.received_at, raw)
