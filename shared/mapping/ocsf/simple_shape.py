"""The simplified shape of the original docs: `src`, `dst` and `principal` objects.

`{"type": "IP", "id": "src-1234", "ip": "192.168.1.100"}` is the IP 192.168.1.100,
with the opaque id kept as its `uid`: for an IP the address is `ip` when given, else
`id`. `type` must be one of the allowlisted labels (any case); any other type is
dropped with its reason, so no key's kind part ever comes from the client's text.
Users, groups, hosts and addresses are keyed by the identity rules of keys.py, like
the same objects in a real OCSF event.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import Loc, attrs
from shared.mapping.graph_model import Entity
from shared.mapping.ocsf import keys, values
from shared.mapping.ocsf.entities import Context
from shared.mapping.ocsf.naming import SIMPLE
from shared.mapping.ocsf.walk import Mention
from shared.mapping.vocabulary import ENTITY_LABELS

_LABELS_BY_LOWER: Final = {label.lower(): label for label in ENTITY_LABELS}


def simple_mentions(event: dict[str, Any], base: Loc, ctx: Context) -> Iterator[Mention]:
    for slot, rel in SIMPLE.items():
        value = event.get(slot)
        if value is None:
            continue
        obj = ctx.read.mapping(value, (*base, slot))
        if obj is not None:
            for entity in _entities(obj, (*base, slot), ctx):
                yield Mention((slot,), rel, entity)


def _entities(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    read = ctx.read
    raw_type = read.text(obj, "type", loc)
    ident, name = read.text(obj, "id", loc), read.text(obj, "name", loc)
    hostname, domain = read.text(obj, "hostname", loc), read.text(obj, "domain", loc)
    ip = read.ip(obj, "ip", loc)
    label = _LABELS_BY_LOWER.get(raw_type.lower()) if raw_type else None
    if raw_type is not None and label is None:
        read.drop((*loc, "type"), f"is not one of the entity types {sorted(ENTITY_LABELS)}")
        return
    if label == "IP" or (raw_type is None and ip is not None):
        address = ip or canonical_ip(ident)
        if address is None:
            read.drop(loc, "an IP needs its address in ip or id")
            return
        entity = values.ip_entity(address, ctx.scope)
        if entity is None:
            read.drop(loc, f"{address} is a broadcast, netmask or multicast address, not a host")
            return
        extra = attrs(
            uid=ident if canonical_ip(ident) != address else None,
            name=name,
            hostname=hostname,
            domain=domain,
        )
        yield Entity(entity.key, entity.type, entity.label, {**extra, **entity.attrs})
        return
    if ip is not None:
        entity = values.ip_entity(ip, ctx.scope)
        if entity is not None:
            yield entity
    if label is None:
        named = None if hostname is None else values.host_or_ip(hostname, ctx.scope)
        if named is not None:
            yield named
        elif hostname is None:
            read.drop((*loc, "type"), "needed when neither ip nor hostname is given")
        return
    if label == "User":
        key = keys.user(ident, name, domain, None, ctx.scope, fold=ctx.fold_names)
    elif label == "Group":
        key = keys.group(ident, name, domain, ctx.scope, fold=ctx.fold_names)
    elif label == "Host":
        if hostname is not None and canonical_ip(hostname) is not None:
            named = values.host_or_ip(hostname, ctx.scope)
            if named is not None:
                yield named
            hostname = None
        key = keys.host(ident, None, hostname, None)
    else:
        natural = ident or name or hostname or ip
        key = keys.global_key(label, natural) if natural else None
    if key is None:
        read.drop(loc, "needs at least one of id, name, ip or hostname")
        return
    found = attrs(uid=ident, name=name, ip=ip, hostname=hostname, domain=domain)
    yield Entity(key, label, label, found)
