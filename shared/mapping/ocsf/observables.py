"""`observables[]` to entities, by the schema's observable `type_id`.

An observable carries one value and a type: a QRadar offense may name its IPs and
users only there. Types that identify something become the entity they name; the
rest (ports, countries, command lines, user agents) stay in the raw event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import Loc, attrs
from shared.mapping.graph_model import Entity
from shared.mapping.ocsf import keys, values
from shared.mapping.ocsf.entities import Context
from shared.mapping.ocsf.values import domain_entity

# Senders that leave `type_id` out often write the type's caption in `type`.
_BY_CAPTION: Final[dict[str, str]] = {
    "hostname": "type:hostname_t",
    "ip address": "type:ip_t",
    "ip": "type:ip_t",
    "mac address": "type:mac_t",
    "user name": "type:username_t",
    "username": "type:username_t",
    "email address": "type:email_t",
    "url string": "type:url_t",
    "file name": "type:file_name_t",
    "file path": "type:file_path_t",
    "hash": "type:file_hash_t",
    "process name": "type:process_name_t",
    "resource uid": "type:resource_uid_t",
    "endpoint": "object:endpoint",
    "user": "object:user",
    "email": "object:email",
    "url": "object:url",
    "file": "object:file",
    "process": "object:process",
    "fingerprint": "object:fingerprint",
}


# OCSF's `osint.type_id` enum (the same in every version that has the object) to the
# observable kinds above; "Domain" is its own kind.
_OSINT_KINDS: Final[dict[int, str]] = {
    1: "type:ip_t",
    2: "domain",
    3: "type:hostname_t",
    4: "type:file_hash_t",
    5: "type:url_t",
    8: "type:email_t",
    9: "type:email_t",
    11: "type:file_name_t",
}
_OSINT_CAPTIONS: Final[dict[str, str]] = {
    "ip address": "type:ip_t",
    "ip": "type:ip_t",
    "domain": "domain",
    "hostname": "type:hostname_t",
    "hash": "type:file_hash_t",
    "url": "type:url_t",
    "email": "type:email_t",
    "email address": "type:email_t",
    "file": "type:file_name_t",
}


def osint_entities(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """The indicator an `osint` item names (its `value`), as the entity its `type_id`
    says; the point of an OSINT inventory event and of many findings."""
    read = ctx.read
    value = read.text(obj, "value", loc)
    if value is None:
        return
    type_id = read.integer(obj, "type_id", loc, 0, 2**31)
    kind = _OSINT_KINDS.get(type_id) if type_id is not None else None
    if kind is None:
        kind = _OSINT_CAPTIONS.get((read.text(obj, "type", loc) or "").lower())
    if kind == "domain":
        domain = domain_entity(value)
        if domain is not None:
            yield domain
    elif kind == "type:ip_t" and canonical_ip(value) is None:
        # The type says the value is an address; a name or a CIDR under it would become
        # a Host that nobody named: the sender can fix it.
        read.drop(loc, "is not an IP address", "value")
    elif type_id == 9 and "@" not in value:
        read.drop(loc, "is not an e-mail address", "value")
    elif kind is not None:
        yield from _by_kind(kind, value, ctx)


def observable_entities(
    obj: dict[str, Any], loc: Loc, ctx: Context, types: Mapping[int, str]
) -> Iterator[Entity]:
    read = ctx.read
    value = read.text(obj, "value", loc)
    if value is None:
        return
    type_id = read.integer(obj, "type_id", loc, 0, 2**31)
    kind = types.get(type_id) if type_id is not None else None
    if kind is None:
        kind = _BY_CAPTION.get((read.text(obj, "type", loc) or "").lower())
    if kind is not None:
        yield from _by_kind(kind, value, ctx)


def _by_kind(kind: str, value: str, ctx: Context) -> Iterator[Entity]:
    if kind in ("type:ip_t", "type:hostname_t", "object:endpoint"):
        entity = values.host_or_ip(value, ctx.scope)
        if entity is not None:
            yield entity
    elif kind in ("type:username_t", "object:user"):
        domain, _, name = value.rpartition("\\")
        key = keys.user(None, name, domain or None, None, ctx.scope, fold=ctx.fold_names)
        if key is not None:
            yield Entity(key, "User", "User", attrs(name=name, domain=domain or None))
    elif kind in ("type:email_t", "object:email"):
        email = values.email_entity(value)
        if email is not None:
            yield email
    elif kind in ("type:url_t", "object:url"):
        yield from values.url_entities(value)
    elif kind in ("type:file_name_t", "type:file_path_t", "object:file"):
        key = keys.file(None, ctx.scope, value)
        if key is not None:
            yield Entity(key, "File", "File", {"path": value})
    elif kind in ("type:file_hash_t", "object:fingerprint"):
        digest = values.hash_digest(value)
        if digest is not None:
            key = keys.file(digest, ctx.scope, None)
            if key is not None:
                # Under its algorithm's property too, as a file's hashes[] gives it.
                yield Entity(key, "File", "File", {"hash": digest[1], digest[0]: digest[1]})
    elif kind in ("type:process_name_t", "object:process"):
        key = keys.process(None, ctx.scope, None, None, value)
        if key is not None:
            yield Entity(key, "Process", "Process", {"name": value})
    elif kind == "type:resource_uid_t" and canonical_ip(value) is None:
        key = keys.resource(value, None, None)
        if key is not None:
            yield Entity(key, "Resource", "Resource", {"uid": value})
