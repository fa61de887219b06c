"""Turn a batch of GraphEvents into the parameters of the idempotent graph write.

Pure, so the aggregation that keeps counters exact can be tested without a server.
Times travel as ISO-8601 text; the queries turn them into datetimes in the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.core.isotime import isoformat
from shared.mapping.graph_model import GraphEvent, Scalar


def dedupe_events(events: Iterable[GraphEvent]) -> list[GraphEvent]:
    """Keep the first event per id, sorted by id so concurrent writers lock in one order."""
    by_id: dict[str, GraphEvent] = {}
    for event in events:
        by_id.setdefault(event.id, event)
    return [by_id[event_id] for event_id in sorted(by_id)]


def event_rows(events: Sequence[GraphEvent]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "props": _event_props(e),
            "time": isoformat(e.time),
            "received_at": isoformat(e.received_at),
        }
        for e in events
    ]


def _event_props(event: GraphEvent) -> dict[str, Any]:
    props: dict[str, Any] = {**event.props, "raw": event.raw}
    if event.dropped:
        # What the mapping left out, where the sender can find it once the answer is
        # gone (through Kafka the client never sees the list). Neo4j has no list of maps:
        # one "<path>: <reason>" text each. Absent when nothing was dropped.
        props["dropped"] = [f"{d.path}: {d.reason}" for d in event.dropped]
    return props


@dataclass(slots=True)
class _EntityUpdate:
    key: str
    type: str
    label: str | None
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    # attribute name -> (rank of the event that carried it, value)
    attrs: dict[str, tuple[str, Scalar]] = field(default_factory=dict)


def entity_rows(new_events: Sequence[GraphEvent]) -> list[dict[str, Any]]:
    """One row per entity touched by the new events, with the batch's aggregate for it.

    Each entity is counted once per event, however many relationships join them.
    Each attribute keeps the value of the highest-ranked event that carried it, and its
    rank, so the database can apply the same rule across batches in any order.
    """
    updates: dict[str, _EntityUpdate] = {}
    iso = _iso_text()
    for event in new_events:
        rank = event.rank
        for entity in {link.entity.key: link.entity for link in event.links}.values():
            update = updates.get(entity.key)
            if update is None:
                update = updates[entity.key] = _EntityUpdate(entity.key, entity.type, entity.label)
            update.count += 1
            if update.first_seen is None or event.time < update.first_seen:
                update.first_seen = event.time
            if update.last_seen is None or event.time > update.last_seen:
                update.last_seen = event.time
            for name, value in entity.attrs.items():
                held = update.attrs.get(name)
                if held is None or rank > held[0]:
                    update.attrs[name] = (rank, value)
    return [
        {
            "key": u.key,
            "type": u.type,
            "labels": [u.label] if u.label else [],
            "count": u.count,
            "first_seen": iso(u.first_seen) if u.first_seen is not None else None,
            "last_seen": iso(u.last_seen) if u.last_seen is not None else None,
            "attrs": [{"name": n, "rank": r, "value": v} for n, (r, v) in sorted(u.attrs.items())],
        }
        for u in sorted(updates.values(), key=lambda u: u.key)
    ]


def _iso_text() -> Callable[[datetime], str]:
    """`isoformat`, once per datetime object of a batch.

    Entities and pairs take their first and last seen from the events' own time objects,
    so a batch formats each of them many times over; that was a fifth of the rows' CPU.
    Keyed by identity, not equality: two equal instants may carry different offsets, and
    each keeps its own text.
    """
    memo: dict[int, str] = {}

    def iso(moment: datetime) -> str:
        text = memo.get(id(moment))
        if text is None:
            text = memo[id(moment)] = isoformat(moment)
        return text

    return iso


def link_rows(new_events: Sequence[GraphEvent]) -> list[dict[str, str]]:
    return [
        {"event_id": event.id, "rel": link.rel, "key": link.entity.key}
        for event in new_events
        for link in event.links
    ]


def association_rows(new_events: Sequence[GraphEvent]) -> list[dict[str, Any]]:
    """One row per associated pair of entities in the new events, with the batch's
    aggregate: counted once per event, first and last seen as for entities."""
    pairs: dict[tuple[str, str], list[Any]] = {}
    for event in new_events:
        for pair in event.associations:
            held = pairs.get(pair)
            if held is None:
                pairs[pair] = [1, event.time, event.time]
            else:
                held[0] += 1
                held[1] = min(held[1], event.time)
                held[2] = max(held[2], event.time)
    iso = _iso_text()
    return [
        {
            "a": a,
            "b": b,
            "count": count,
            "first_seen": iso(first),
            "last_seen": iso(last),
        }
        for (a, b), (count, first, last) in sorted(pairs.items())
    ]


def linked_entity_rows(
    new_events: Sequence[GraphEvent], event_nodes: Mapping[str, str]
) -> list[dict[str, Any]]:
    """`entity_rows`, each with the relationships the new events make to it: the element
    id of the event node (`event_nodes`: event id -> element id, as the event write
    returned them) and the type. The write creates them from the entity node in hand."""
    rows = entity_rows(new_events)
    by_key: dict[str, list[dict[str, str]]] = {row["key"]: [] for row in rows}
    for event in new_events:
        node = event_nodes[event.id]
        for link in event.links:
            by_key[link.entity.key].append({"event": node, "rel": link.rel})
    for row in rows:
        row["links"] = by_key[row["key"]]
    return rows


def indexed_association_rows(
    new_events: Sequence[GraphEvent], entities: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`association_rows` with each end given as its position in `entities` (sorted by
    key, as `entity_rows` returns them): the write holds those nodes in that order."""
    position = {row["key"]: i for i, row in enumerate(entities)}
    rows = association_rows(new_events)
    for row in rows:
        for end in ("a", "b"):
            if row[end] not in position:
                raise ValueError(f"associated entity {row[end]!r} is not linked by its event")
            row[end] = position[row[end]]
    return rows
