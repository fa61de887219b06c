"""OCSF JSON (the simplified shape and real OCSF 1.x objects) to a GraphEvent.

Entity keys (OCSF names no primary key for these objects, only "at least one of"):

| type    | key                                                          |
|---------|--------------------------------------------------------------|
| User    | `uid`, else `domain\\name` (lower-cased), else `name`, else `email_addr` |
| IP      | the address in canonical form (`ipaddress`)                  |
| Host    | device/endpoint `uid`, else `hostname` (lower-cased)         |
| Process | `uid`, else `<host key>/<pid>/<created_time>`                |
| File    | sha256, else sha1, else md5, else `<host key>/<path>`        |

An OCSF object with none of its key fields is not an entity and is skipped; the
simplified `src`/`dst`/`principal` objects must identify something or the event is
rejected, because the client named them explicitly.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

from shared.errors import InvalidEvent
from shared.graph_model import ENTITY_LABELS, Entity, GraphEvent, Link, Scalar
from shared.timeparse import TimeParseError, parse_event_time

Loc = tuple[str | int, ...]

_LABELS_BY_LOWER: Final = {label.lower(): label for label in ENTITY_LABELS}
_MAX_TEXT = 65_536
_SIMPLE_SLOTS: Final = (
    ("src", "HAS_SOURCE"),
    ("dst", "HAS_DESTINATION"),
    ("principal", "HAS_PRINCIPAL"),
)
_HASH_PREFERENCE: Final = {"sha-256": 0, "sha256": 0, "sha-1": 1, "sha1": 1, "md5": 2}
_HASH_ALGORITHM_IDS: Final = {3: "sha-256", 2: "sha-1", 1: "md5"}


def ocsf_to_graph_event(
    event_id: str, event: dict[str, Any], received_at: datetime, source_format: str = "ocsf"
) -> GraphEvent:
    base: Loc = ("event",)
    class_uid = _required_int(event, "class_uid", base, 0, 999_999)
    category_uid = _optional_int(event, "category_uid", base, 0, 999)
    activity_id = _optional_int(event, "activity_id", base, 0, 999)
    type_uid = _optional_int(event, "type_uid", base, 0, 99_999_999)
    severity_id = _optional_int(event, "severity_id", base, 0, 99)
    status_id = _optional_int(event, "status_id", base, 0, 99)

    raw_time = event.get("time")
    if raw_time is None:
        time = received_at
    else:
        try:
            time = parse_event_time(raw_time)
        except TimeParseError as exc:
            raise InvalidEvent((*base, "time"), str(exc)) from None

    props: dict[str, Scalar] = {"class_uid": class_uid, "source_format": source_format}
    props["category_uid"] = category_uid if category_uid is not None else class_uid // 1000
    if activity_id is not None:
        props["activity_id"] = activity_id
    if type_uid is not None:
        props["type_uid"] = type_uid
    elif activity_id is not None:
        props["type_uid"] = class_uid * 100 + activity_id
    if severity_id is not None:
        props["severity_id"] = severity_id
    if status_id is not None:
        props["status_id"] = status_id
    for name in ("message", "status", "outcome"):
        text = _optional_text(event, name, base)
        if text is not None:
            props[name] = text
    product = _product(event)
    if product is not None:
        props["product"] = product

    links = _dedupe(list(_simple_links(event, base)) + list(_ocsf_links(event, base)))
    return GraphEvent(
        id=event_id,
        time=time,
        received_at=received_at,
        source_format=source_format,
        props=props,
        raw=json.dumps(event, separators=(",", ":"), ensure_ascii=False, sort_keys=True),
        links=tuple(links),
    )


# --- scalar fields ------------------------------------------------------------------


def _int_value(value: object, loc: Loc, low: int, high: int) -> int:
    number: int
    if isinstance(value, bool):
        raise InvalidEvent(loc, "must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        number = int(value.strip())
    else:
        raise InvalidEvent(loc, "must be an integer or a string of digits")
    if not low <= number <= high:
        raise InvalidEvent(loc, f"must be between {low} and {high}")
    return number


def _required_int(obj: dict[str, Any], name: str, base: Loc, low: int, high: int) -> int:
    if obj.get(name) is None:
        raise InvalidEvent((*base, name), "field required")
    return _int_value(obj[name], (*base, name), low, high)


def _optional_int(obj: dict[str, Any], name: str, base: Loc, low: int, high: int) -> int | None:
    value = obj.get(name)
    return None if value is None else _int_value(value, (*base, name), low, high)


def _optional_text(obj: dict[str, Any], name: str, base: Loc) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidEvent((*base, name), "must be a string")
    text = str(value)
    if len(text) > _MAX_TEXT:
        raise InvalidEvent((*base, name), f"must be at most {_MAX_TEXT} characters")
    return text


def _identifier(obj: dict[str, Any], name: str, base: Loc) -> str | None:
    text = _optional_text(obj, name, base)
    if text is None:
        return None
    text = text.strip()
    return text or None


def _object(obj: dict[str, Any], name: str, base: Loc) -> dict[str, Any] | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidEvent((*base, name), "must be an object")
    return value


def _product(event: dict[str, Any]) -> str | None:
    metadata = event.get("metadata")
    if not isinstance(metadata, dict):
        return None
    product = metadata.get("product")
    if not isinstance(product, dict):
        return None
    for name in ("name", "vendor_name"):
        value = product.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:_MAX_TEXT]
    return None


def _attrs(**values: str | None) -> dict[str, Scalar]:
    return {name: value for name, value in values.items() if value is not None}


# --- entity keys ----------------------------------------------------------------------


def _ip_entity(text: str, loc: Loc) -> Entity:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        raise InvalidEvent(loc, "is not a valid IP address") from None
    canonical = address.compressed
    return Entity(key=f"IP:{canonical}", type="IP", label="IP", attrs={"address": canonical})


def _user_key(
    uid: str | None, name: str | None, domain: str | None, email: str | None
) -> str | None:
    if uid:
        return f"User:{uid}"
    if name and domain:
        return f"User:{domain.lower()}\\{name.lower()}"
    if name:
        return f"User:{name.lower()}"
    if email:
        return f"User:{email.lower()}"
    return None


def _host_key(uid: str | None, hostname: str | None) -> str | None:
    if uid:
        return f"Host:{uid}"
    if hostname:
        return f"Host:{hostname.lower()}"
    return None


# --- the simplified shape of the original docs ------------------------------------------


def _simple_links(event: dict[str, Any], base: Loc) -> Iterator[Link]:
    for slot, rel in _SIMPLE_SLOTS:
        obj = _object(event, slot, base)
        if obj is not None:
            yield Link(rel, _simple_entity(obj, (*base, slot)))


def _simple_entity(obj: dict[str, Any], loc: Loc) -> Entity:
    raw_type = _identifier(obj, "type", loc)
    ident = _identifier(obj, "id", loc)
    name = _identifier(obj, "name", loc)
    ip = _identifier(obj, "ip", loc)
    hostname = _identifier(obj, "hostname", loc)
    domain = _identifier(obj, "domain", loc)

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

    if label == "IP" and ident is None and ip is not None:
        entity = _ip_entity(ip, (*loc, "ip"))
        return entity
    if ip is not None:
        _ip_entity(ip, (*loc, "ip"))  # validate; the address stays an attribute here

    natural: str | None
    if label == "User":
        key = _user_key(ident, name, domain, None)
        natural = key.split(":", 1)[1] if key else None
    elif label == "Host":
        natural = ident or (hostname.lower() if hostname else None)
    else:
        natural = ident or name or hostname or ip
    if natural is None:
        raise InvalidEvent(loc, "needs at least one of id, name, ip or hostname")
    attrs = _attrs(uid=ident, name=name, ip=ip, hostname=hostname, domain=domain)
    return Entity(key=f"{type_name}:{natural}", type=type_name, label=label, attrs=attrs)


# --- real OCSF 1.x objects --------------------------------------------------------------


def _ocsf_links(event: dict[str, Any], base: Loc) -> Iterator[Link]:
    actor = _object(event, "actor", base)
    if actor is not None:
        actor_loc = (*base, "actor")
        user = _object(actor, "user", actor_loc)
        if user is not None:
            yield from _maybe("HAS_PRINCIPAL", _user_entity(user, (*actor_loc, "user")))
        process = _object(actor, "process", actor_loc)
        if process is not None:
            yield from _maybe(
                "HAS_ACTOR_PROCESS", _process_entity(process, (*actor_loc, "process"), None)
            )

    user = _object(event, "user", base)
    if user is not None:
        yield from _maybe("HAS_USER", _user_entity(user, (*base, "user")))

    for slot, rel in (("src_endpoint", "HAS_SOURCE"), ("dst_endpoint", "HAS_DESTINATION")):
        endpoint = _object(event, slot, base)
        if endpoint is not None:
            for entity in _endpoint_entities(endpoint, (*base, slot)):
                yield Link(rel, entity)

    device_key: str | None = None
    device = _object(event, "device", base)
    if device is not None:
        host = _device_entity(device, (*base, "device"))
        if host is not None:
            device_key = host.key
            yield Link("ON_DEVICE", host)

    process = _object(event, "process", base)
    if process is not None:
        yield from _maybe("HAS_PROCESS", _process_entity(process, (*base, "process"), device_key))

    file = _object(event, "file", base)
    if file is not None:
        yield from _maybe("HAS_FILE", _file_entity(file, (*base, "file"), device_key))


def _maybe(rel: str, entity: Entity | None) -> Iterator[Link]:
    if entity is not None:
        yield Link(rel, entity)


def _user_entity(user: dict[str, Any], loc: Loc) -> Entity | None:
    uid = _identifier(user, "uid", loc)
    name = _identifier(user, "name", loc)
    domain = _identifier(user, "domain", loc)
    email = _identifier(user, "email_addr", loc)
    key = _user_key(uid, name, domain, email)
    if key is None:
        return None
    return Entity(key, "User", "User", _attrs(uid=uid, name=name, domain=domain, email_addr=email))


def _endpoint_entities(endpoint: dict[str, Any], loc: Loc) -> Iterator[Entity]:
    ip = _identifier(endpoint, "ip", loc)
    if ip is not None:
        yield _ip_entity(ip, (*loc, "ip"))
    hostname = _identifier(endpoint, "hostname", loc)
    uid = _identifier(endpoint, "uid", loc)
    key = _host_key(uid, hostname)
    if key is not None:
        yield Entity(key, "Host", "Host", _attrs(uid=uid, hostname=hostname, ip=ip))


def _device_entity(device: dict[str, Any], loc: Loc) -> Entity | None:
    uid = _identifier(device, "uid", loc)
    hostname = _identifier(device, "hostname", loc)
    key = _host_key(uid, hostname)
    if key is None:
        return None
    ip = _identifier(device, "ip", loc)
    if ip is not None:
        _ip_entity(ip, (*loc, "ip"))
    attrs = _attrs(uid=uid, hostname=hostname, ip=ip, name=_identifier(device, "name", loc))
    return Entity(key, "Host", "Host", attrs)


def _process_entity(process: dict[str, Any], loc: Loc, device_key: str | None) -> Entity | None:
    uid = _identifier(process, "uid", loc)
    pid = _optional_int(process, "pid", loc, -1, 2**62)
    name = _identifier(process, "name", loc)
    cmd_line = _identifier(process, "cmd_line", loc)
    created = _identifier(process, "created_time", loc)
    if uid:
        key = f"Process:{uid}"
    elif device_key and pid is not None and created:
        key = f"Process:{device_key}/{pid}/{created}"
    else:
        return None
    attrs: dict[str, Scalar] = _attrs(uid=uid, name=name, cmd_line=cmd_line)
    if pid is not None:
        attrs["pid"] = pid
    return Entity(key, "Process", "Process", attrs)


def _file_entity(file: dict[str, Any], loc: Loc, device_key: str | None) -> Entity | None:
    path = _identifier(file, "path", loc)
    name = _identifier(file, "name", loc)
    digest = _best_hash(file, loc)
    if digest is not None:
        key = f"File:{digest[0]}:{digest[1].lower()}"
    elif device_key and path:
        key = f"File:{device_key}/{path}"
    else:
        return None
    attrs = _attrs(path=path, name=name, hash=digest[1].lower() if digest else None)
    return Entity(key, "File", "File", attrs)


def _best_hash(file: dict[str, Any], loc: Loc) -> tuple[str, str] | None:
    hashes = file.get("hashes")
    if hashes is None:
        return None
    if not isinstance(hashes, list):
        raise InvalidEvent((*loc, "hashes"), "must be a list")
    found: list[tuple[int, str, str]] = []
    for index, item in enumerate(hashes):
        if not isinstance(item, dict):
            raise InvalidEvent((*loc, "hashes", index), "must be an object")
        item_loc = (*loc, "hashes", index)
        value = _identifier(item, "value", item_loc)
        algorithm = (_identifier(item, "algorithm", item_loc) or "").lower()
        if not algorithm:
            algorithm_id = _optional_int(item, "algorithm_id", item_loc, 0, 99)
            algorithm = _HASH_ALGORITHM_IDS.get(algorithm_id or -1, "")
        if value and algorithm in _HASH_PREFERENCE:
            found.append((_HASH_PREFERENCE[algorithm], algorithm.replace("-", ""), value))
    if not found:
        return None
    _, algorithm, value = min(found)
    return algorithm, value


def _dedupe(links: list[Link]) -> list[Link]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for link in links:
        marker = (link.rel, link.entity.key)
        if marker not in seen:
            seen.add(marker)
            unique.append(link)
    return unique
