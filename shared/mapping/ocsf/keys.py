"""The natural key of each entity type: one table, one function per row.

OCSF names no primary key for these objects, only "at least one of", so each type
takes the most stable identifier present. Every part has already passed the
placeholder filter: `-`, `N/A` or `NULL SID` never make a key.

| type          | key                                                                   |
|---------------|-----------------------------------------------------------------------|
| IP            | the address in canonical form                                         |
| Host          | `uid`, else `instance_uid`, else `hostname`, else `name` (lower-cased)|
| User          | `uid`, else `domain\\name`, else `name`, else `email_addr` (lower)     |
| Account       | `<cloud provider>/<uid or name>`, or `<uid or name>` without provider |
| Group         | `uid`, else `domain\\name`, else `name` (lower-cased)                  |
| Email         | the address, lower-cased                                              |
| Process       | `uid`, else `<host>/<pid>/<created_time>`, else `<host>/<pid>/<name>` |
| File          | `<algorithm>:<hash>`, else `<host>/<path>`                            |
| Url           | `url_string` (sha256 of it past 2048 characters)                      |
| Domain        | the name, lower-cased, without the trailing dot                       |
| Resource      | `uid`, else `<type>/<name>`, else `name`                              |
| ManagedEntity | `<type>/<uid or name>`                                                |

A process or file with no host to scope it is keyed inside its event
(`event/<event id>/...`): linked to the event that names it, never shared with
another. A pid and a name alone are recycled across hosts and reboots, so sharing
them would invent links; device + pid + name can still join two runs of one program
that reused a pid on one host, the price of linking the events of one run that carry
neither uid nor start time.
"""

from __future__ import annotations

import hashlib
from typing import Final

_MAX_URL_KEY: Final = 2048  # Neo4j cannot index a key much past 8 KB


def host(
    uid: str | None, instance_uid: str | None, hostname: str | None, name: str | None
) -> str | None:
    if uid:
        return f"Host:{uid}"
    if instance_uid:
        return f"Host:{instance_uid}"
    if hostname:
        return f"Host:{hostname.lower()}"
    if name:
        return f"Host:{name.lower()}"
    return None


def user(uid: str | None, name: str | None, domain: str | None, email: str | None) -> str | None:
    if uid:
        return f"User:{uid}"
    if name and domain:
        return f"User:{domain.lower()}\\{name.lower()}"
    if name:
        return f"User:{name.lower()}"
    if email:
        return f"User:{email.lower()}"
    return None


def account(provider: str | None, uid: str | None, name: str | None) -> str | None:
    natural = uid or name
    if natural is None:
        return None
    return f"Account:{provider.lower()}/{natural}" if provider else f"Account:{natural}"


def group(uid: str | None, name: str | None, domain: str | None) -> str | None:
    if uid:
        return f"Group:{uid}"
    if name and domain:
        return f"Group:{domain.lower()}\\{name.lower()}"
    if name:
        return f"Group:{name.lower()}"
    return None


def process(
    uid: str | None,
    scope: str,
    pid: int | None,
    created: str | None,
    name: str | None,
) -> str | None:
    if uid:
        return f"Process:{uid}"
    if pid is not None and created:
        return f"Process:{scope}/{pid}/{created}"
    if name:
        return f"Process:{scope}/{'' if pid is None else pid}/{name.lower()}"
    return None


def file(digest: tuple[str, str] | None, scope: str, path: str | None) -> str | None:
    if digest is not None:
        return f"File:{digest[0]}:{digest[1].lower()}"
    if path:
        return f"File:{scope}/{path}"
    return None


def url(text: str) -> str:
    if len(text) > _MAX_URL_KEY:
        text = "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"Url:{text}"


def resource(uid: str | None, kind: str | None, name: str | None) -> str | None:
    natural = uid or (f"{kind}/{name}" if kind and name else name)
    return f"Resource:{natural}" if natural else None


def managed_entity(kind: str | None, uid: str | None, name: str | None) -> str | None:
    natural = uid or name
    if natural is None:
        return None
    return f"ManagedEntity:{kind.lower() if kind else 'entity'}/{natural}"
