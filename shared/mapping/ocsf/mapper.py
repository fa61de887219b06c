"""OCSF JSON (the simplified shape and real OCSF 1.x objects) to a GraphEvent.

Two tables drive the mapping, and neither looks at `class_uid`: an OCSF object means
the same thing in every class that has it, so an unknown or new class still yields
every entity and property the tables recognise.

- `_SLOTS`: where an entity-bearing object sits, which relationship joins it to the
  event, and which builder (shared/mapping/ocsf/entities.py) turns it into entities.
- `_PROPERTIES`: scalar fields copied onto the Event node under a fixed name.

Entity keys (OCSF names no primary key for these objects, only "at least one of"):

| type     | key                                                                      |
|----------|--------------------------------------------------------------------------|
| User     | `uid`, else `domain\\name` (lower-cased), else `name`, else `email_addr` |
| IP       | the address in canonical form (`ipaddress`)                              |
| Host     | device/endpoint `uid`, else `hostname` (lower-cased)                     |
| Process  | `uid`, else `<host key>/<pid>/<created_time>`                            |
| File     | sha256, else sha1, else md5, else `<host key>/<path>`                    |
| Url      | `url_string` (sha256 of it past 2048 characters)                         |
| Domain   | hostname, lower-cased, without the trailing dot                          |
| Resource | `uid`, else `<type>/<name>`, else `name`                                 |

An OCSF object with none of its key fields is not an entity and is skipped; the
simplified `src`/`dst`/`principal` objects must identify something or the event is
rejected, because the client named them explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from shared.core.errors import InvalidEvent
from shared.mapping.fields import (
    Loc,
    as_list,
    as_object,
    attrs,
    identifier,
    object_at,
    optional_int,
    optional_text,
    required_int,
    scalar_at,
)
from shared.mapping.graph_model import ENTITY_LABELS, Entity, GraphEvent, Link, Scalar
from shared.mapping.ocsf import entities as build
from shared.mapping.ocsf.entities import Scope
from shared.mapping.timeparse import TimeParseError, parse_event_time

Builder = Callable[[object, Loc, Scope], Iterator[Entity]]


@dataclass(frozen=True, slots=True)
class _Slot:
    path: tuple[str, ...]
    rel: str
    build: Builder


_SLOTS: Final[tuple[_Slot, ...]] = (
    _Slot(("device",), "ON_DEVICE", build.device),
    _Slot(("actor", "user"), "HAS_PRINCIPAL", build.user),
    _Slot(("actor", "process"), "HAS_ACTOR_PROCESS", build.process),
    _Slot(("user",), "HAS_USER", build.user),  # the account the event is about
    _Slot(("src_endpoint",), "HAS_SOURCE", build.endpoint),
    _Slot(("dst_endpoint",), "HAS_DESTINATION", build.endpoint),
    _Slot(("process",), "HAS_PROCESS", build.process),
    _Slot(("process", "parent_process"), "HAS_PARENT_PROCESS", build.process),
    _Slot(("process", "user"), "HAS_USER", build.user),  # the account the process runs as
    _Slot(("file",), "HAS_FILE", build.file),
    _Slot(("http_request", "url"), "HAS_URL", build.url),
    _Slot(("http_request", "url"), "HAS_DOMAIN", build.url_host),
    _Slot(("query",), "QUERIED", build.dns_query),
    _Slot(("answers",), "RESOLVED_TO", build.dns_answers),
    _Slot(("resources",), "HAS_RESOURCE", build.resources),
)

# Event property name <- OCSF path. Fixed names: a producer cannot add or overwrite
# Event properties by choosing field names.
_PROPERTIES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("vendor", ("metadata", "product", "vendor_name")),
    ("product_version", ("metadata", "product", "version")),
    ("event_code", ("metadata", "event_code")),
    ("activity_name", ("activity_name",)),
    ("status_detail", ("status_detail",)),
    ("action", ("action",)),
    ("disposition", ("disposition",)),
    ("src_port", ("src_endpoint", "port")),
    ("dst_port", ("dst_endpoint", "port")),
    ("protocol", ("connection_info", "protocol_name")),
    ("direction", ("connection_info", "direction")),
    ("bytes_in", ("traffic", "bytes_in")),
    ("bytes_out", ("traffic", "bytes_out")),
    ("logon_type", ("logon_type",)),
    ("auth_protocol", ("auth_protocol",)),
    ("service", ("service", "name")),
    ("http_method", ("http_request", "http_method")),
    ("user_agent", ("http_request", "user_agent")),
    ("http_status", ("http_response", "code")),
    ("dns_query_type", ("query", "type")),
    ("dns_rcode", ("rcode",)),
    ("api_operation", ("api", "operation")),
    ("api_service", ("api", "service", "name")),
    ("cloud_provider", ("cloud", "provider")),
    ("cloud_region", ("cloud", "region")),
    ("cloud_account", ("cloud", "account", "uid")),
    ("finding_title", ("finding_info", "title")),
    ("finding_uid", ("finding_info", "uid")),
    ("cmd_line", ("process", "cmd_line")),
)

# Most slots' roots are absent from any one event: look only at the roots present.
_SLOTS_BY_ROOT: Final = {
    root: tuple(slot for slot in _SLOTS if slot.path[0] == root)
    for root in dict.fromkeys(slot.path[0] for slot in _SLOTS)
}

_PROPERTIES_BY_ROOT: Final = {
    root: tuple(entry for entry in _PROPERTIES if entry[1][0] == root)
    for root in dict.fromkeys(path[0] for _, path in _PROPERTIES)
}

_LABELS_BY_LOWER: Final = {label.lower(): label for label in ENTITY_LABELS}
_SIMPLE_SLOTS: Final = (
    ("src", "HAS_SOURCE"),
    ("dst", "HAS_DESTINATION"),
    ("principal", "HAS_PRINCIPAL"),
)


def ocsf_to_graph_event(
    event_id: str,
    event: dict[str, Any],
    received_at: datetime,
    source_format: str = "ocsf",
    *,
    raw: str | None = None,
    extra_props: Mapping[str, Scalar] | None = None,
) -> GraphEvent:
    """`raw` and `extra_props` serve the translated formats (CEF, syslog): the raw text
    to keep instead of this dict, and properties OCSF has no field for. Extra props
    never replace a property the OCSF fields set."""
    base: Loc = ("event",)
    props = _props(event, base, source_format)
    for name, value in (extra_props or {}).items():
        props.setdefault(name, value)

    raw_time = event.get("time")
    if raw_time is None:
        time = received_at
    else:
        try:
            time = parse_event_time(raw_time)
        except TimeParseError as exc:
            raise InvalidEvent((*base, "time"), str(exc)) from None

    links = _dedupe([*_simple_links(event, base), *_ocsf_links(event, base)])
    if raw is None:
        try:
            raw = orjson.dumps(event, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError as exc:
            # Only reachable with a dict built in code (JSON parsed by orjson has no
            # integer past 64 bits), but then it must be a refusal, not a crash.
            raise InvalidEvent(base, f"cannot be stored as JSON: {exc}") from None
    return GraphEvent(
        id=event_id,
        time=time,
        received_at=received_at,
        source_format=source_format,
        props=props,
        raw=raw,
        links=tuple(links),
    )


# --- event properties -------------------------------------------------------------------


def _props(event: dict[str, Any], base: Loc, source_format: str) -> dict[str, Scalar]:
    class_uid = required_int(event, "class_uid", base, 0, 999_999)
    category_uid = optional_int(event, "category_uid", base, 0, 999)
    activity_id = optional_int(event, "activity_id", base, 0, 999)
    type_uid = optional_int(event, "type_uid", base, 0, 99_999_999)

    props: dict[str, Scalar] = {"class_uid": class_uid, "source_format": source_format}
    props["category_uid"] = category_uid if category_uid is not None else class_uid // 1000
    if activity_id is not None:
        props["activity_id"] = activity_id
    if type_uid is not None:
        props["type_uid"] = type_uid
    elif activity_id is not None:
        props["type_uid"] = class_uid * 100 + activity_id
    for name in ("severity_id", "status_id"):
        number = optional_int(event, name, base, 0, 99)
        if number is not None:
            props[name] = number
    for name in ("message", "status", "outcome"):
        text = optional_text(event, name, base)
        if text is not None:
            props[name] = text
    product = _product(event)
    if product is not None:
        props["product"] = product
    for root, entries in _PROPERTIES_BY_ROOT.items():
        if root in event:  # most roots are absent from any one event: skip their paths
            for name, path in entries:
                value = scalar_at(event, path)
                if value is not None:
                    props[name] = value
    return props


def _product(event: dict[str, Any]) -> str | None:
    for name in ("name", "vendor_name"):
        value = scalar_at(event, ("metadata", "product", name))
        if isinstance(value, str):
            return value
    return None


# --- the simplified shape of the original docs ------------------------------------------


def _simple_links(event: dict[str, Any], base: Loc) -> Iterator[Link]:
    for slot, rel in _SIMPLE_SLOTS:
        obj = object_at(event, slot, base)
        if obj is not None:
            yield Link(rel, _simple_entity(obj, (*base, slot)))


def _simple_entity(obj: dict[str, Any], loc: Loc) -> Entity:
    raw_type = identifier(obj, "type", loc)
    ident = identifier(obj, "id", loc)
    name = identifier(obj, "name", loc)
    ip = identifier(obj, "ip", loc)
    hostname = identifier(obj, "hostname", loc)
    domain = identifier(obj, "domain", loc)

    if raw_type is None:
        if ip is not None:
            raw_type = "IP"
        elif hostname is not None:
            raw_type = "Host"
        else:
            raise InvalidEvent(
                (*loc, "type"), "field required when neither ip nor hostname is given"
            )
    label = _LABELS_BY_LOWER.get(raw_type.lower())
    type_name = label or raw_type[:128]

    if label == "IP":
        return _simple_ip(ident, ip, attrs(name=name, hostname=hostname, domain=domain), loc)
    if ip is not None:
        build.ip_entity(ip, (*loc, "ip"))  # validate; the address stays an attribute here

    natural: str | None
    if label == "User":
        key = build.user_key(ident, name, domain, None)
        natural = key.split(":", 1)[1] if key else None
    elif label == "Host":
        natural = ident or (hostname.lower() if hostname else None)
    else:
        natural = ident or name or hostname or ip
    if natural is None:
        raise InvalidEvent(loc, "needs at least one of id, name, ip or hostname")
    found = attrs(uid=ident, name=name, ip=ip, hostname=hostname, domain=domain)
    return Entity(key=f"{type_name}:{natural}", type=type_name, label=label, attrs=found)


def _simple_ip(ident: str | None, ip: str | None, extra: dict[str, Scalar], loc: Loc) -> Entity:
    """Keyed by the canonical address whether `id` or `ip` names it, as OCSF IP fields are,
    so `2001:DB8::0001` here and `2001:db8::1` in `src_endpoint.ip` are one node."""
    by_ip = None if ip is None else build.ip_entity(ip, (*loc, "ip"))
    if ident is None:
        if by_ip is None:
            raise InvalidEvent(loc, "an IP needs its address in id or ip")
        entity = by_ip
    else:
        entity = build.ip_entity(ident, (*loc, "id"))
        if by_ip is not None and by_ip.key != entity.key:
            raise InvalidEvent(loc, "id and ip name different addresses")
    return Entity(entity.key, entity.type, entity.label, {**extra, **entity.attrs})


# --- real OCSF 1.x objects --------------------------------------------------------------


def _ocsf_links(event: dict[str, Any], base: Loc) -> Iterator[Link]:
    scope = Scope(build.device_key_of(event.get("device"), (*base, "device")))
    yield from _slot_links(event, base, scope)
    # Detection findings carry their observables in evidences[], each shaped like an
    # event's own objects; they join the event with the same relationships.
    evidences = event.get("evidences")
    if evidences is not None:
        for index, item in enumerate(as_list(evidences, (*base, "evidences"))):
            loc = (*base, "evidences", index)
            evidence = as_object(item, loc)
            own_device = build.device_key_of(evidence.get("device"), (*loc, "device"))
            yield from _slot_links(evidence, loc, Scope(own_device or scope.device_key))


def _slot_links(obj: dict[str, Any], base: Loc, scope: Scope) -> Iterator[Link]:
    for root, slots in _SLOTS_BY_ROOT.items():
        if obj.get(root) is None:
            continue
        for slot in slots:
            value, loc = _walk(obj, slot.path, base)
            if value is not None:
                for entity in slot.build(value, loc, scope):
                    yield Link(slot.rel, entity)


def _walk(obj: dict[str, Any], path: tuple[str, ...], base: Loc) -> tuple[object, Loc]:
    """The value at `path`; every step before the last must be an object if present."""
    current = obj
    loc = base
    for step in path[:-1]:
        loc = (*loc, step)
        value = current.get(step)
        if value is None:
            return None, loc
        current = as_object(value, loc)
    loc = (*loc, path[-1])
    return current.get(path[-1]), loc


def _dedupe(links: list[Link]) -> list[Link]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for link in links:
        marker = (link.rel, link.entity.key)
        if marker not in seen:
            seen.add(marker)
            unique.append(link)
    return unique
