"""OCSF JSON (real OCSF events of every known version, and the simplified shape) to a GraphEvent.

Only what places the event is required: an object with a usable `class_uid`, and a
usable `time` when one is given (absent, the event is placed at its receipt). Every
other field is optional: a bad one is dropped and reported in `GraphEvent.dropped`,
and the raw event keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson

from shared.core.errors import InvalidEvent
from shared.mapping.fields import Loc
from shared.mapping.graph_model import DroppedField, Entity, GraphEvent, Link, Scalar
from shared.mapping.ocsf import entities as build
from shared.mapping.ocsf.entities import Context
from shared.mapping.ocsf.event_props import event_props
from shared.mapping.ocsf.placement import event_time
from shared.mapping.ocsf.reader import Reader
from shared.mapping.ocsf.schema import SCHEMA, ClassInfo
from shared.mapping.ocsf.simple_shape import simple_mentions
from shared.mapping.ocsf.walk import Mention, SchemaWalk


def ocsf_to_graph_event(
    event_id: str,
    event: dict[str, Any],
    received_at: datetime,
    source_format: str = "ocsf",
    *,
    raw: str | None = None,
    extra_props: Mapping[str, Scalar] | None = None,
    dropped: tuple[DroppedField, ...] = (),
) -> GraphEvent:
    """`raw` and `extra_props` serve the translated formats (CEF, syslog): the raw text
    to keep instead of this dict, and properties OCSF has no field for. Extra props
    never replace a property the OCSF fields set; `dropped`, what their translation
    left out."""
    base: Loc = ("event",)
    read = Reader()
    metadata = event.get("metadata")
    version = SCHEMA.for_version(metadata.get("version") if isinstance(metadata, dict) else None)
    props = event_props(event, base, source_format, read)
    props["ocsf_version"] = version.version
    for name, value in (extra_props or {}).items():
        props.setdefault(name, value)
    time = event_time(event, base, received_at, read)

    cloud = event.get("cloud")
    ctx = Context(
        read=read,
        event_id=event_id,
        device_key=build.host_key(
            read.mapping(event.get("device"), (*base, "device")), (*base, "device"), read
        ),
        cloud_provider=read.text(cloud, "provider", (*base, "cloud"))
        if isinstance(cloud, dict)
        else None,
        fold_names=_windows(event),
        observables=version.observables,
    )
    mentions = [*simple_mentions(event, base, ctx), *SchemaWalk(version, ctx).event(event)]
    class_info = SCHEMA.class_info(version, int(props["class_uid"]))
    entities = _merged(mentions)
    return GraphEvent(
        id=event_id,
        time=time,
        received_at=received_at,
        source_format=source_format,
        props=props,
        raw=raw if raw is not None else raw_json(event, base),
        links=_links(mentions, entities),
        dropped=tuple(dict.fromkeys((*dropped, *read.dropped))),
        associations=_associations(mentions, class_info),
    )


def _windows(event: dict[str, Any]) -> bool:
    """Whether the event comes from Windows, whose account names ignore case."""
    device, metadata = event.get("device"), event.get("metadata")
    os = device.get("os") if isinstance(device, dict) else None
    if isinstance(os, dict):
        if os.get("type_id") == 100:
            return True
        if any(
            isinstance(v, str) and "windows" in v.lower() for v in (os.get("name"), os.get("type"))
        ):
            return True
    product = metadata.get("product") if isinstance(metadata, dict) else None
    vendor = product.get("vendor_name") if isinstance(product, dict) else None
    return isinstance(vendor, str) and "microsoft" in vendor.lower()


def raw_json(event: dict[str, Any], base: Loc = ("event",)) -> str:
    """The stored `raw` of an OCSF event: its JSON with sorted keys."""
    try:
        return orjson.dumps(event, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError as exc:
        # Only reachable with a dict built in code (JSON parsed by orjson has no
        # integer past 64 bits), but then it must be a refusal, not a crash.
        raise InvalidEvent(base, f"cannot be stored as JSON: {exc}") from None


def _merged(mentions: Iterable[Mention]) -> dict[str, Entity]:
    """One entity per key: mentions of one entity in one event pool their attributes,
    the first mention winning where two disagree (CloudTrail's `actor.user` and `user`)."""
    merged: dict[str, Entity] = {}
    for mention in mentions:
        entity = mention.entity
        held = merged.get(entity.key)
        if held is None:
            merged[entity.key] = entity
        elif any(name not in held.attrs for name in entity.attrs):
            merged[entity.key] = Entity(
                held.key, held.type, held.label, {**entity.attrs, **held.attrs}
            )
    return merged


def _links(mentions: Iterable[Mention], entities: dict[str, Entity]) -> tuple[Link, ...]:
    seen: dict[tuple[str, str], Link] = {}
    for mention in mentions:
        marker = (mention.rel, mention.entity.key)
        if marker not in seen:
            seen[marker] = Link(mention.rel, entities[mention.entity.key])
    return tuple(seen.values())


def _associations(
    mentions: list[Mention], class_info: ClassInfo | None
) -> tuple[tuple[str, str], ...]:
    """The class's associated paths (an authentication's `actor.user` and `src_endpoint`)
    as pairs of entity keys, each pair once, in key order."""
    if class_info is None or not class_info.associations:
        return ()
    by_path: dict[tuple[str, ...], list[str]] = {}
    for mention in mentions:
        by_path.setdefault(mention.path, []).append(mention.entity.key)
    pairs: set[tuple[str, str]] = set()
    for first, second in class_info.associations:
        for a in by_path.get(_steps(first), ()):
            for b in by_path.get(_steps(second), ()):
                if a != b:
                    pairs.add((a, b) if a < b else (b, a))
    return tuple(sorted(pairs))


# A class's dotted association path as the walk's path: schema attribute names hold no
# dot, so the two name the same mentions. Schema strings only, so bounded.
@functools.lru_cache(maxsize=1024)
def _steps(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))
