"""A GraphEvent as JSON-ready data, and back: the `graph` of a version 1 Kafka record.

The previous ingest_api mapped every event and put the graph in its record; graph_writer
still writes such records from that graph during a rolling upgrade
(`docs/kafka_integration.md`, "Record format"). Version 2 records carry no graph.
`graph_to_wire` writes what that API wrote, so tests and the bench can produce it. The
raw event is not repeated here: the record holds it, and `stored_raw` rebuilds the
stored text from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from shared.core.errors import InvalidEvent
from shared.core.isotime import isoformat
from shared.mapping.graph_model import (
    Entity,
    GraphEvent,
    Link,
    Scalar,
)
from shared.mapping.vocabulary import check_links

WIRE_VERSION: Final = 1
_LOC: Final = ("graph",)
_SCALAR_TYPES: Final = frozenset({str, int, float, bool})
# Properties the write sets itself: a graph that named them would overwrite an event's id,
# time or dropped list, or an entity's key and counters. The mapping never produces them, nor any name
# starting with "_" (the write's own bookkeeping, such as `_rank_<attribute>`).
_EVENT_OWN: Final = frozenset({"id", "time", "received_at", "raw", "dropped"})
_ENTITY_OWN: Final = frozenset({"key", "type", "event_count", "first_seen", "last_seen"})


def graph_to_wire(event: GraphEvent) -> dict[str, Any]:
    """Each entity once, however many links name it."""
    index: dict[str, int] = {}
    entities: list[list[Any]] = []
    links: list[list[Any]] = []
    for link in event.links:
        entity = link.entity
        at = index.get(entity.key)
        if at is None:
            at = index[entity.key] = len(entities)
            entities.append([entity.key, entity.type, entity.label, entity.attrs])
        links.append([link.rel, at])
    return {
        "v": WIRE_VERSION,
        "time": isoformat(event.time),
        "props": event.props,
        "entities": entities,
        "links": links,
        "associations": [list(pair) for pair in event.associations],
    }


def graph_from_wire(
    data: dict[str, Any], event_id: str, source_format: str, received_at: datetime, raw: str
) -> GraphEvent:
    """Raises InvalidEvent for anything `graph_to_wire` cannot have written."""
    if data.get("v") != WIRE_VERSION:
        raise InvalidEvent((*_LOC, "v"), f"unsupported graph version {data.get('v')!r}")
    try:
        time = datetime.fromisoformat(data["time"])
        props = _scalars(data["props"], "props", _EVENT_OWN)
        entities = [_entity(row) for row in data["entities"]]
        links = tuple(Link(_text(rel), entities[_index(at)]) for rel, at in data["links"])
        # Labels and relationship types become schema: a record from anywhere but this
        # mapping must not add any. The write would refuse them too, but by failing the
        # whole batch rather than dead-lettering this one record.
        check_links(links)
        associations = tuple((_text(a), _text(b)) for a, b in data["associations"])
        _check_ends(associations, links)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InvalidEvent(_LOC, f"malformed graph: {exc!r}") from None
    if time.tzinfo is None:
        raise InvalidEvent((*_LOC, "time"), "must carry a UTC offset")
    return GraphEvent(
        id=event_id,
        time=time,
        received_at=received_at,
        source_format=source_format,
        props=props,
        raw=raw,
        links=links,
        associations=associations,
    )


def _entity(row: Any) -> Entity:
    key, type_, label, attrs = row
    if label is not None:
        label = _text(label)
    return Entity(_text(key), _text(type_), label, _scalars(attrs, "attrs", _ENTITY_OWN))


def _index(value: Any) -> int:
    # A negative position would silently name another entity of the event.
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"bad entity position {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _scalars(value: Any, what: str, reserved: frozenset[str]) -> dict[str, Scalar]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be an object")
    # JSON null, lists and objects are never what the mapping stores as a property.
    for name, item in value.items():
        if type(item) not in _SCALAR_TYPES:
            raise TypeError(f"{what} holds a {type(item).__name__}")
        if name in reserved or name.startswith("_"):
            raise ValueError(f"{what} names {name!r}, which the write sets itself")
    return value


def _check_ends(associations: tuple[tuple[str, str], ...], links: tuple[Link, ...]) -> None:
    # The write places each end among the event's linked entities; one that is not there
    # would fail the whole batch instead of this one record.
    keys = {link.entity.key for link in links}
    for pair in associations:
        for end in pair:
            if end not in keys:
                raise ValueError(f"associated entity {end!r} is not one of the event's")
