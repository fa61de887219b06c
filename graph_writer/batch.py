"""A fetched batch: records decoded and mapped to graph events, or set aside as undecodable."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TypeAlias

from aiokafka.structs import ConsumerRecord

from shared.core.errors import InvalidEvent
from shared.kafka_io.codec import EventRecord, decode_record
from shared.mapping.graph_model import GraphEvent
from shared.mapping.graph_wire import graph_from_wire
from shared.mapping.to_graph import stored_raw, to_graph_event
from shared.neo4j_store.reject_isolation import Isolated

Record: TypeAlias = ConsumerRecord


@dataclass(frozen=True, slots=True)
class Item:
    source: Record
    event: GraphEvent


@dataclass(frozen=True, slots=True)
class Batch:
    records: list[Record]
    items: list[Item]
    undecodable: list[tuple[Record, str]]

    def dead(self, written: Isolated[Item]) -> list[tuple[Record, str]]:
        """Every record of the batch that goes to the dead-letter topic, with the reason."""
        return self.undecodable + [(item.source, str(error)) for item, error in written.rejected]


# Records decoded and mapped between two yields to the event loop. The write of the
# previous batch runs on the same loop and needs it at each of its round trips to Neo4j;
# one long CPU stretch here would leave Neo4j idle, waiting for the next query.
_PREPARE_SLICE = 64


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
        else:
            items.append(Item(record, event))
    return Batch(records, items, undecodable)


def graph_event(record: EventRecord) -> GraphEvent:
    """The graph the API mapped and answered for, else the event mapped here."""
    if record.graph is None:
        return to_graph_event(record.id, record.source_format, record.event, record.received_at)
    raw = stored_raw(record.event)
    return graph_from_wire(record.graph, record.id, record.source_format, record.received_at, raw)
