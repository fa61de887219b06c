"""Entity keys: what a thing is and where its name is unique, one function per kind.

A key is `<Kind>:<natural id>` when the id is unique everywhere (a domain SID, a
`domain\\name`, an e-mail address, an IdP's uid, a content hash), and
`<Kind>@<scope>/<natural id>` when it is unique only on one machine (`root`, uid `0`,
`S-1-5-18`, `NT AUTHORITY\\SYSTEM`, `127.0.0.1`, a pid, a path). The scope is the key of
the host the event is about, or `Event:<event id>` when no host is known: such a name is
then linked to its one event and never shared. Kinds are the allowlisted labels, which
hold neither `:` nor `@`, and `/` is escaped in the scope, so no two different
(kind, scope, id) triples give one key. docs/formats.md, "Entity identity", has the table.

Case is folded where the naming system ignores it (Windows and directory names, SIDs,
domains, e-mail addresses), and kept where it does not (POSIX user names, opaque uids).
Every part has already passed the placeholder filter: `-`, `N/A` or `NULL SID` never
make a key.

A pid and a name alone are recycled across hosts and reboots, so a process is scoped
by its host; device + pid + name can still join two runs of one program that reused a
pid on one host, the price of linking the events of one run that carry neither uid nor
start time.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from shared.mapping.local_names import (
    LOCAL_AUTHORITIES,
    WELL_KNOWN_SIDS,
    address_scope,
    is_global_sid,
    is_local_host_name,
    sid,
)

_MAX_URL_KEY: Final = 2048  # Neo4j cannot index a key much past 8 KB
_GUID: Final = re.compile(r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?", re.ASCII)
# `.\bob` and `localhost\bob` name the account bob of this machine.
_THIS_MACHINE: Final = frozenset({".", "localhost"})


def global_key(kind: str, natural: str) -> str:
    return f"{kind}:{natural}"


def scoped_key(kind: str, scope: str, natural: str) -> str:
    return f"{kind}@{scope.replace('%', '%25').replace('/', '%2F')}/{natural}"


def event_scope(event_id: str) -> str:
    """The scope of a local name on an event whose host is unknown: the event itself."""
    return f"Event:{event_id}"


def host(
    uid: str | None, instance_uid: str | None, hostname: str | None, name: str | None
) -> str | None:
    """`localhost` and its kin name every machine, so they name none: left out."""
    for natural, fold in ((uid, False), (instance_uid, False), (hostname, True), (name, True)):
        if natural and not is_local_host_name(natural):
            return global_key("Host", natural.lower() if fold else natural)
    return None


def ip(address: str, scope: str) -> str | None:
    """Loopback and link-local addresses are the host's own; broadcast, netmasks and
    multicast name no host at all (None)."""
    where = address_scope(address)
    if where == "global":
        return global_key("IP", address)
    if where == "host":
        return scoped_key("IP", scope, address)
    return None


def user(
    uid: str | None,
    name: str | None,
    domain: str | None,
    email: str | None,
    scope: str,
    *,
    fold: bool = False,
) -> str | None:
    """`uid`, else `domain\\name`, else an address-shaped name or `email_addr`, else the
    bare name or POSIX uid on its host. `fold`: the host names users case-insensitively
    (Windows)."""
    if uid:
        key = _principal("User", uid, scope)
        if key is not None:
            return key
    named = _named("User", name, domain, scope, fold)
    if named is not None and not named[1]:
        return named[0]
    if email:
        return global_key("User", email.lower())
    if named is not None:
        return named[0]
    if uid:  # a POSIX uid, which only its machine resolves to a name
        return scoped_key("User", scope, f"uid={uid}")
    return None


def group(
    uid: str | None, name: str | None, domain: str | None, scope: str, *, fold: bool = False
) -> str | None:
    if uid:
        key = _principal("Group", uid, scope)
        if key is not None:
            return key
    named = _named("Group", name, domain, scope, fold)
    if named is not None:
        return named[0]
    return scoped_key("Group", scope, f"gid={uid}") if uid else None


def _principal(kind: str, uid: str, scope: str) -> str | None:
    """A user's or group's uid: a SID, a qualified name, a UPN or an opaque IdP id; None
    for a POSIX number, which the caller keys last."""
    canonical = sid(uid)
    if canonical is not None:
        return (
            global_key(kind, canonical)
            if is_global_sid(canonical)
            else scoped_key(kind, scope, canonical)
        )
    if uid.isdecimal():
        return None
    if "\\" in uid:
        qualifier, _, bare = uid.rpartition("\\")
        return _qualified(kind, qualifier, bare, scope)[0]
    if "@" in uid or _GUID.fullmatch(uid):
        return global_key(kind, uid.lower())
    return global_key(kind, uid)


def _named(
    kind: str, name: str | None, domain: str | None, scope: str, fold: bool
) -> tuple[str, bool] | None:
    """The key a name gives, and whether it is local to its host."""
    if not name:
        return None
    if domain:
        return _qualified(kind, domain, name, scope)
    if "\\" in name:
        qualifier, _, bare = name.rpartition("\\")
        return _qualified(kind, qualifier, bare, scope)
    if "@" in name:
        return global_key(kind, name.lower()), False
    well_known = WELL_KNOWN_SIDS.get(name.lower())
    if well_known is not None:
        return scoped_key(kind, scope, well_known), True
    return scoped_key(kind, scope, name.lower() if fold else name), True


def _qualified(kind: str, domain: str, name: str, scope: str) -> tuple[str, bool]:
    """`domain\\name`: global, unless the domain is the machine itself."""
    qualifier, bare = domain.strip().lower(), name.lower()
    well_known = WELL_KNOWN_SIDS.get(f"{qualifier}\\{bare}")
    if well_known is not None:
        return scoped_key(kind, scope, well_known), True
    if not qualifier or qualifier in _THIS_MACHINE:
        return scoped_key(kind, scope, bare), True
    if qualifier in LOCAL_AUTHORITIES:
        return scoped_key(kind, scope, f"{qualifier}\\{bare}"), True
    return global_key(kind, f"{qualifier}\\{bare}"), False


def account(provider: str | None, uid: str | None, name: str | None) -> str | None:
    natural = uid or name
    if natural is None:
        return None
    return global_key("Account", f"{provider.lower()}/{natural}" if provider else natural)


def role(uid: str | None, name: str | None, account: str | None, scope: str) -> str | None:
    """A role's uid (an ARN, a role definition id) names it everywhere; its bare name
    (`Administrator`, `ReadOnly`) only within its account, else only within the event's
    scope: two accounts' `Administrator` roles are two roles."""
    if uid:
        return global_key("Role", uid)
    if not name:
        return None
    return scoped_key("Role", account or scope, name)


def process(
    uid: str | None,
    scope: str,
    pid: int | None,
    created: str | None,
    name: str | None,
) -> str | None:
    if uid:
        return global_key("Process", uid)
    if pid is not None and created:
        return scoped_key("Process", scope, f"{pid}/{created}")
    if name:
        return scoped_key("Process", scope, f"{'' if pid is None else pid}/{name.lower()}")
    return None


def file(digest: tuple[str, str] | None, scope: str, path: str | None) -> str | None:
    if digest is not None:
        return global_key("File", f"{digest[0]}:{digest[1].lower()}")
    if path:
        return scoped_key("File", scope, path)
    return None


def url(text: str) -> str:
    if len(text) > _MAX_URL_KEY:
        text = "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return global_key("Url", text)


def resource(uid: str | None, kind: str | None, name: str | None) -> str | None:
    natural = uid or (f"{kind}/{name}" if kind and name else name)
    return global_key("Resource", natural) if natural else None


def managed_entity(kind: str | None, uid: str | None, name: str | None) -> str | None:
    natural = uid or name
    if natural is None:
        return None
    return global_key("ManagedEntity", f"{kind.lower() if kind else 'entity'}/{natural}")
