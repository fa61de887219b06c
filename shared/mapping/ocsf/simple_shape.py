"""The simplified shape of the original docs: `src`, `dst` and `principal` objects.

`{"type": "IP", "id": "src-1234", "ip": "192.168.1.100"}` is the IP 192.168.1.100,
with the opaque id kept as its `uid`: for an IP the address is `ip` when given, else
`id`. A named type outside the allowlist stays a plain :Entity with a `type` property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import Loc, attrs
from shared.mapping.graph_model import ENTITY_LABELS, Entity
from shared.mapping.ocsf import keys, values
from shared.mapping.ocsf.naming import SIMPLE
from shared.mapping.ocsf.reader import Reader
from shared.mapping.ocsf.walk import Mention

_LABELS_BY_LOWER: Final = {label.lower(): label for label in ENTITY_LABELS}


def simple_mentions(event: dict[str, Any], base: Loc, read: Reader) -> Iterator[Mention]:
    for slot, rel in SIMPLE.items():
        value = event.get(slot)
        if value is None:
            continue
        obj = read.mapping(value, (*base, slot))
        if obj is not None:
            for entity in _entities(obj, (*base, slot), read):
                yield Mention((slot,), rel, entity)


def _entities(obj: dict[str, Any], loc: Loc, read: Reader) -> Iterator[Entity]:
    raw_type = read.text(obj, "type", loc)
    ident, name = read.text(obj, "id", loc), read.text(obj, "name", loc)
    hostname, domain = read.text(obj, "hostname", loc), read.text(obj, "domain", loc)
    ip = read.ip(obj, "ip", loc)
    label = _LABELS_BY_LOWER.get(raw_type.lower()) if raw_type else None
    if label == "IP" or (raw_type is None and ip is not None):
        address = ip or canonical_ip(ident)
        if address is None:
            read.drop(loc, "an IP needs its address in ip or id")
            return
        entity = values.ip_entity(address)
        extra = attrs(
            uid=ident if canonical_ip(ident) != address else None,
            name=name,
            hostname=hostname,
            domain=domain,
        )
        yield Entity(entity.key, entity.type, entity.label, {**extra, **entity.attrs})
        return
    if ip is not None:
        yield values.ip_entity(ip)
    if raw_type is None:
        if hostname is not None:
            yield values.host_or_ip(hostname)
        else:
            read.drop((*loc, "type"), "needed when neither ip nor hostname is given")
        return
    type_name = label or raw_type[:128]
    if label == "User":
        key = keys.user(ident, name, domain, None)
    elif label == "Host":
        if hostname is not None and canonical_ip(hostname) is not None:
            yield values.host_or_ip(hostname)
            hostname = None
        key = keys.host(ident, None, hostname, None)
    else:
        natural = ident or name or hostname or ip
        key = f"{type_name}:{natural}" if natural else None
    if key is None:
        read.drop(loc, "needs at least one of id, name, ip or hostname")
        return
    found = attrs(uid=ident, name=name, ip=ip, hostname=hostname, domain=domain)
    yield Entity(key, type_name, label, found)
