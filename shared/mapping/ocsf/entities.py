"""OCSF objects to graph entities, one builder per entity kind of the schema.

A builder reads its object's own identifying fields and yields zero or more entities;
objects nested inside it (a user's account, a process's file) are the walk's
business. An object that names nothing identifiable yields nothing: OCSF marks most
identifying fields "recommended", so their absence is normal.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import Loc, attrs
from shared.mapping.graph_model import Entity, Scalar
from shared.mapping.local_names import address_scope
from shared.mapping.ocsf import keys
from shared.mapping.ocsf.hashes import file_hashes
from shared.mapping.ocsf.reader import Reader
from shared.mapping.ocsf.values import (
    domain_entity,
    email_entities,
    host_or_ip,
    ip_entity,
    url_entities,
)

_HASH_PREFERENCE: Final = {"sha-256": 0, "sha256": 0, "sha-1": 1, "sha1": 1, "md5": 2}
_HASH_ALGORITHM_IDS: Final = {
    1: "md5",
    2: "sha-1",
    3: "sha-256",
    4: "sha-512",
    5: "ssdeep",  # CTPH
    6: "tlsh",
    7: "quickxorhash",
    8: "sha-224",
    9: "sha-384",
}
# Every hash of `hashes[]` is also a File property named for its algorithm (hashes.py).


class Context(NamedTuple):
    """What builders need beyond their own object. A NamedTuple: one is built per event
    (and per evidence on a device of its own), in a third of a frozen dataclass's time."""

    read: Reader
    event_id: str
    device_key: str | None  # the host the event (or this part of it) happened on
    cloud_provider: str | None
    # The host names its users case-insensitively (Windows): bare names are folded.
    fold_names: bool = False
    # The event's schema version's observable `type_id`s: what each names.
    observables: Mapping[int, str] = MappingProxyType({})

    @property
    def scope(self) -> str:
        """What makes a local name (a pid, a path, `root`, 127.0.0.1) unique: the host,
        else this one event."""
        return self.device_key or keys.event_scope(self.event_id)


Builder = Callable[[dict[str, Any], Loc, Context], Iterator[Entity]]


# --- objects ----------------------------------------------------------------------------


def user(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    read = ctx.read
    uid, name = read.text(obj, "uid", loc), read.text(obj, "name", loc)
    domain, email = read.text(obj, "domain", loc), read.text(obj, "email_addr", loc)
    key = keys.user(uid, name, domain, email, ctx.scope, fold=ctx.fold_names)
    if key is not None:
        found = attrs(uid=uid, name=name, domain=domain, email_addr=email)
        found.update(read.texts(obj, loc, full_name="full_name", user_type="type"))
        yield Entity(key, "User", "User", found)
    if email is None and name is not None and "@" in name:
        # Okta, Entra ID and Google name users by their address: that is an address too.
        yield from email_entities(name)
    yield from _account_by_uid(read.text(obj, "account_uid", loc), ctx)  # OCSF 1.0


def cloud(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """OCSF 1.0 names the cloud account by `account_uid`; later versions by an `account`
    object, which the walk builds on its own."""
    yield from _account_by_uid(ctx.read.text(obj, "account_uid", loc), ctx)


def _account_by_uid(uid: str | None, ctx: Context) -> Iterator[Entity]:
    key = keys.account(ctx.cloud_provider, uid, None)
    if key is not None and uid is not None:
        yield Entity(key, "Account", "Account", {"uid": uid})


def account(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    uid, name = ctx.read.text(obj, "uid", loc), ctx.read.text(obj, "name", loc)
    key = keys.account(ctx.cloud_provider, uid, name)
    if key is not None:
        kind = ctx.read.text(obj, "type", loc)
        yield Entity(key, "Account", "Account", attrs(uid=uid, name=name, account_type=kind))


def group(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    uid, name = ctx.read.text(obj, "uid", loc), ctx.read.text(obj, "name", loc)
    domain = ctx.read.text(obj, "domain", loc)
    key = keys.group(uid, name, domain, ctx.scope, fold=ctx.fold_names)
    if key is not None:
        yield Entity(key, "Group", "Group", attrs(uid=uid, name=name, domain=domain))


def role(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """An IAM role; the account it belongs to (built by the walk on its own) scopes a role
    known only by name."""
    read = ctx.read
    uid, name = read.text(obj, "uid", loc), read.text(obj, "name", loc)
    account = obj.get("account")
    account_key = None
    if isinstance(account, dict):
        account_loc = (*loc, "account")
        account_key = keys.account(
            ctx.cloud_provider,
            read.text(account, "uid", account_loc),
            read.text(account, "name", account_loc),
        )
    key = keys.role(uid, name, account_key, ctx.scope)
    if key is not None:
        yield Entity(key, "Role", "Role", attrs(uid=uid, name=name))


def host(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """Devices, endpoints and network interfaces: their IP, and the host when named."""
    read = ctx.read
    ip = read.ip(obj, "ip", loc)
    hostname, name = read.text(obj, "hostname", loc), read.text(obj, "name", loc)
    # Each name parsed as an address once: it is an IP, or it is the host's name.
    hostname_ip = None if hostname is None else canonical_ip(hostname)
    name_ip = None if name is None else canonical_ip(name)
    for address in dict.fromkeys((ip, hostname_ip, name_ip)):
        entity = None if address is None else ip_entity(address, ctx.scope)
        if entity is not None:
            yield entity
    hostname = None if hostname_ip else hostname
    name = None if name_ip else name
    uid, instance_uid = read.text(obj, "uid", loc), read.text(obj, "instance_uid", loc)
    key = keys.host(uid, instance_uid, hostname, name)
    if key is not None:
        found = attrs(uid=uid, instance_uid=instance_uid, hostname=hostname, name=name, ip=ip)
        mac = read.text(obj, "mac", loc)
        if mac is not None:
            found["mac"] = mac
        yield Entity(key, "Host", "Host", found)


def host_key(obj: dict[str, Any] | None, loc: Loc, read: Reader) -> str | None:
    """The key `host` gives this object, for scoping what happened on it."""
    if obj is None:
        return None
    hostname, name = read.text(obj, "hostname", loc), read.text(obj, "name", loc)
    key = keys.host(
        read.text(obj, "uid", loc),
        read.text(obj, "instance_uid", loc),
        None if hostname is None or canonical_ip(hostname) else hostname,
        None if name is None or canonical_ip(name) else name,
    )
    if key is None:
        # A device known only by its address (a CEF `dvc`) still scopes its processes,
        # unless the address is one every machine has (127.0.0.1).
        address = canonical_ip(read.text(obj, "ip", loc)) or canonical_ip(hostname)
        key = (
            keys.global_key("IP", address)
            if address and address_scope(address) == "global"
            else None
        )
    return key


def process(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    read = ctx.read
    uid = read.text(obj, "uid", loc)
    pid = read.integer(obj, "pid", loc, -1, 2**62)
    created = read.text(obj, "created_time", loc)
    file_obj = obj.get("file") if isinstance(obj.get("file"), dict) else {}
    path = read.text(file_obj, "path", (*loc, "file")) if file_obj else None
    name = read.text(obj, "name", loc) or (
        posixpath.basename(path.replace("\\", "/")) or None if path else None
    )
    key = keys.process(uid, ctx.scope, pid, created, name)
    if key is not None:
        found: dict[str, Scalar] = attrs(
            uid=uid, name=name, cmd_line=read.text(obj, "cmd_line", loc), path=path
        )
        if pid is not None:
            found["pid"] = pid
        yield Entity(key, "Process", "Process", found)


def file(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """Keyed by content hash when known (the same bytes anywhere), else by host + path."""
    read = ctx.read
    name = read.text(obj, "name", loc)
    path = read.text(obj, "path", loc) or _joined(read.text(obj, "parent_folder", loc), name)
    hashes = _hashes(obj, loc, read)
    digest = _best_hash(hashes)
    key = keys.file(digest, ctx.scope, path)
    if key is not None:
        found = attrs(path=path, name=name, hash=digest[1].lower() if digest else None)
        found.update(file_hashes(obj, loc, read))
        yield Entity(key, "File", "File", found)


def url(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    text = ctx.read.text(obj, "url_string", loc)
    if text is not None:
        yield from url_entities(text)
        return
    domain = domain_entity(ctx.read.text(obj, "hostname", loc) or ctx.read.text(obj, "domain", loc))
    if domain is not None:
        yield domain


def _uid_name_type(obj: dict[str, Any], loc: Loc, read: Reader) -> tuple[str | None, ...]:
    return read.text(obj, "uid", loc), read.text(obj, "name", loc), read.text(obj, "type", loc)


def resource(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """Cloud and finding resources: a Resource by uid (an ARN, say), plus IP/Host if named."""
    read = ctx.read
    uid, name, kind = _uid_name_type(obj, loc, read)
    key = keys.resource(uid, kind, name)
    if key is not None:
        found = attrs(uid=uid, name=name, resource_type=kind)
        found.update(read.texts(obj, loc, region="region"))
        yield Entity(key, "Resource", "Resource", found)
    ip = read.ip(obj, "ip", loc)
    named = (
        None if ip is None else ip_entity(ip, ctx.scope),
        None
        if (hostname := read.text(obj, "hostname", loc)) is None
        else host_or_ip(hostname, ctx.scope),
    )
    yield from (entity for entity in named if entity is not None)


def managed_entity(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    uid, name, kind = _uid_name_type(obj, loc, ctx.read)
    key = keys.managed_entity(kind, uid, name)
    if key is not None:
        found = attrs(uid=uid, name=name, entity_type=kind)
        yield Entity(key, "ManagedEntity", "ManagedEntity", found)


def dns_query(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    entity = domain_entity(ctx.read.text(obj, "hostname", loc))
    if entity is not None:
        yield entity


def dns_answer(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    """A/AAAA answers give IPs, CNAME (and similar) answers give domains.

    `rdata` is free text in OCSF, so an answer that is neither is kept raw, not refused.
    """
    rdata = ctx.read.text(obj, "rdata", loc)
    if rdata is None:
        return
    address = canonical_ip(rdata)
    if address is not None:
        entity = ip_entity(address, ctx.scope)
        if entity is not None:
            yield entity
    elif (ctx.read.text(obj, "type", loc) or "").upper() in ("CNAME", "NS", "PTR", "MX"):
        entity = domain_entity(rdata.split()[-1])
        if entity is not None:
            yield entity


# --- helpers ----------------------------------------------------------------------------


def _joined(folder: str | None, name: str | None) -> str | None:
    """A file's path from its folder and name, with the folder's own separator."""
    if folder is None or name is None:
        return name
    separator = "\\" if "\\" in folder else "/"
    return f"{folder.rstrip(separator)}{separator}{name}"


def _hashes(obj: dict[str, Any], loc: Loc, read: Reader) -> list[tuple[str, str]]:
    """(algorithm, value) of each usable `hashes[]` item, the algorithm lower-cased
    without hyphens (`sha256`), from its name or else its `algorithm_id`."""
    found: list[tuple[str, str]] = []
    for item_loc, item in read.items(obj.get("hashes"), (*loc, "hashes")):
        entry = read.mapping(item, item_loc)
        if entry is None:
            continue
        value = read.text(entry, "value", item_loc)
        algorithm = (read.text(entry, "algorithm", item_loc) or "").lower()
        if not algorithm:
            algorithm_id = read.integer(entry, "algorithm_id", item_loc, 0, 99)
            algorithm = _HASH_ALGORITHM_IDS.get(algorithm_id or -1, "")
        if value and algorithm:
            found.append((algorithm.replace("-", "").replace(" ", ""), value))
    return found


def _best_hash(hashes: list[tuple[str, str]]) -> tuple[str, str] | None:
    ranked = [
        (_HASH_PREFERENCE[algorithm], algorithm, value)
        for algorithm, value in hashes
        if algorithm in _HASH_PREFERENCE
    ]
    if not ranked:
        return None
    _, algorithm, value = min(ranked)
    return algorithm, value
