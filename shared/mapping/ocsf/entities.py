"""OCSF objects to graph entities, and the natural key each entity type gets.

Every builder takes the object's value, its path (for error messages) and the
`Scope` it sits in, and yields zero or more entities. An object that names nothing
identifiable yields nothing: OCSF marks most identifying fields "recommended", not
required, so their absence is normal, not an error. A field of the wrong shape, or
an IP field that is not an address, is an error: it means the producer is broken.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from shared.core.errors import InvalidEvent
from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import (
    Loc,
    as_list,
    as_object,
    attrs,
    identifier,
    optional_int,
)
from shared.mapping.graph_model import Entity, Scalar

_HASH_PREFERENCE: Final = {"sha-256": 0, "sha256": 0, "sha-1": 1, "sha1": 1, "md5": 2}
_HASH_ALGORITHM_IDS: Final = {3: "sha-256", 2: "sha-1", 1: "md5"}
# Neo4j cannot index a key much past 8 KB; long URLs (query strings) are keyed by digest.
_MAX_URL_KEY = 2048


@dataclass(frozen=True, slots=True)
class Scope:
    """What builders need beyond their own object: the key of the host it happened on."""

    device_key: str | None


# --- keys -------------------------------------------------------------------------------


def ip_entity(text: str, loc: Loc) -> Entity:
    canonical = canonical_ip(text)
    if canonical is None:
        raise InvalidEvent(loc, "is not a valid IP address")
    return Entity(key=f"IP:{canonical}", type="IP", label="IP", attrs={"address": canonical})


def is_ip(text: str) -> bool:
    return canonical_ip(text) is not None


def user_key(
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


def host_key(uid: str | None, hostname: str | None) -> str | None:
    if uid:
        return f"Host:{uid}"
    if hostname:
        return f"Host:{hostname.lower()}"
    return None


def domain_entity(name: str | None) -> Entity | None:
    """Domains are case-insensitive and the root dot is optional: `Example.COM.` is `example.com`."""
    if name is None:
        return None
    canonical = name.strip().rstrip(".").lower()
    if not canonical:
        return None
    return Entity(f"Domain:{canonical}", "Domain", "Domain", {"name": canonical})


# --- builders ---------------------------------------------------------------------------


def user(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    obj = as_object(value, loc)
    uid = identifier(obj, "uid", loc)
    name = identifier(obj, "name", loc)
    domain = identifier(obj, "domain", loc)
    email = identifier(obj, "email_addr", loc)
    key = user_key(uid, name, domain, email)
    if key is not None:
        yield Entity(
            key, "User", "User", attrs(uid=uid, name=name, domain=domain, email_addr=email)
        )


def endpoint(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    obj = as_object(value, loc)
    ip = identifier(obj, "ip", loc)
    if ip is not None:
        yield ip_entity(ip, (*loc, "ip"))
    hostname = identifier(obj, "hostname", loc)
    uid = identifier(obj, "uid", loc)
    key = host_key(uid, hostname)
    if key is not None:
        mac = identifier(obj, "mac", loc)
        yield Entity(key, "Host", "Host", attrs(uid=uid, hostname=hostname, ip=ip, mac=mac))


def device(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    obj = as_object(value, loc)
    uid = identifier(obj, "uid", loc)
    hostname = identifier(obj, "hostname", loc)
    ip = identifier(obj, "ip", loc)
    if ip is not None:
        ip_entity(ip, (*loc, "ip"))  # validated; stays an attribute of the host
    key = host_key(uid, hostname)
    if key is not None:
        name = identifier(obj, "name", loc)
        yield Entity(key, "Host", "Host", attrs(uid=uid, hostname=hostname, ip=ip, name=name))


def device_key_of(value: object, loc: Loc) -> str | None:
    if value is None:
        return None
    obj = as_object(value, loc)
    return host_key(identifier(obj, "uid", loc), identifier(obj, "hostname", loc))


def process(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    """Keyed by uid, else by host + pid + start time: a pid alone is recycled."""
    obj = as_object(value, loc)
    uid = identifier(obj, "uid", loc)
    pid = optional_int(obj, "pid", loc, -1, 2**62)
    created = identifier(obj, "created_time", loc)
    if uid:
        key = f"Process:{uid}"
    elif scope.device_key and pid is not None and created:
        key = f"Process:{scope.device_key}/{pid}/{created}"
    else:
        return
    found: dict[str, Scalar] = attrs(
        uid=uid, name=identifier(obj, "name", loc), cmd_line=identifier(obj, "cmd_line", loc)
    )
    if pid is not None:
        found["pid"] = pid
    yield Entity(key, "Process", "Process", found)


def file(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    """Keyed by content hash when known (the same bytes anywhere), else by host + path."""
    obj = as_object(value, loc)
    path = identifier(obj, "path", loc)
    digest = _best_hash(obj, loc)
    if digest is not None:
        key = f"File:{digest[0]}:{digest[1].lower()}"
    elif scope.device_key and path:
        key = f"File:{scope.device_key}/{path}"
    else:
        return
    found = attrs(
        path=path,
        name=identifier(obj, "name", loc),
        hash=digest[1].lower() if digest else None,
    )
    yield Entity(key, "File", "File", found)


def url(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    """OCSF `url` objects; a bare string is read as `url_string`, as some producers send it."""
    text = _url_string(value, loc)
    if text is None:
        return
    key_text = text
    if len(text) > _MAX_URL_KEY:
        key_text = "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    yield Entity(f"Url:{key_text}", "Url", "Url", {"url": text})


def url_host(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    """The domain a URL points at; an IP-literal host is no domain and yields nothing."""
    hostname: str | None = None
    if isinstance(value, dict):
        hostname = identifier(value, "hostname", loc)
    if hostname is None:
        text = _url_string(value, loc)
        if text is not None:
            hostname = _hostname_of(text)
    if hostname is None or is_ip(hostname.strip("[]")):
        return
    entity = domain_entity(hostname)
    if entity is not None:
        yield entity


def dns_query(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    entity = domain_entity(identifier(as_object(value, loc), "hostname", loc))
    if entity is not None:
        yield entity


def dns_answers(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    """A/AAAA answers give IPs, CNAME answers give domains; other record types stay raw.

    `rdata` is free text in OCSF, so an A answer that is not an address is skipped
    rather than refused.
    """
    for index, item in enumerate(as_list(value, loc)):
        answer = as_object(item, (*loc, index))
        rdata = identifier(answer, "rdata", (*loc, index))
        if rdata is None:
            continue
        kind = (identifier(answer, "type", (*loc, index)) or "").upper()
        if is_ip(rdata):
            yield ip_entity(rdata, (*loc, index, "rdata"))
        elif kind == "CNAME":
            entity = domain_entity(rdata)
            if entity is not None:
                yield entity


def resources(value: object, loc: Loc, scope: Scope) -> Iterator[Entity]:
    """Cloud and finding resources: a Resource node by uid (an ARN, say), plus IP/Host if named.

    Without a uid, the key is `<type>/<name>` so that a bucket and an instance that
    share a name stay apart.
    """
    for index, item in enumerate(as_list(value, loc)):
        item_loc = (*loc, index)
        obj = as_object(item, item_loc)
        uid = identifier(obj, "uid", item_loc)
        name = identifier(obj, "name", item_loc)
        kind = identifier(obj, "type", item_loc)
        natural = uid or (f"{kind}/{name}" if kind and name else name)
        if natural is not None:
            found = attrs(
                uid=uid,
                name=name,
                resource_type=kind,
                region=identifier(obj, "region", item_loc),
            )
            yield Entity(f"Resource:{natural}", "Resource", "Resource", found)
        ip = identifier(obj, "ip", item_loc)
        if ip is not None:
            yield ip_entity(ip, (*item_loc, "ip"))
        hostname = identifier(obj, "hostname", item_loc)
        if hostname is not None:
            yield Entity(f"Host:{hostname.lower()}", "Host", "Host", {"hostname": hostname})


# --- helpers ----------------------------------------------------------------------------


def _url_string(value: object, loc: Loc) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return identifier(as_object(value, loc), "url_string", loc)


def _hostname_of(text: str) -> str | None:
    try:
        return urlsplit(text).hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None


def _best_hash(obj: dict[str, Any], loc: Loc) -> tuple[str, str] | None:
    hashes = obj.get("hashes")
    if hashes is None:
        return None
    found: list[tuple[int, str, str]] = []
    for index, item in enumerate(as_list(hashes, (*loc, "hashes"))):
        item_loc = (*loc, "hashes", index)
        entry = as_object(item, item_loc)
        value = identifier(entry, "value", item_loc)
        algorithm = (identifier(entry, "algorithm", item_loc) or "").lower()
        if not algorithm:
            algorithm_id = optional_int(entry, "algorithm_id", item_loc, 0, 99)
            algorithm = _HASH_ALGORITHM_IDS.get(algorithm_id or -1, "")
        if value and algorithm in _HASH_PREFERENCE:
            found.append((_HASH_PREFERENCE[algorithm], algorithm.replace("-", ""), value))
    if not found:
        return None
    _, algorithm, value = min(found)
    return algorithm, value
