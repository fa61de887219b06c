"""Single values to entities: an address, an e-mail address, a domain, a URL, a hash.

Shared by the object builders (entities.py) and the observables (observables.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import getaddresses
from typing import Final
from urllib.parse import urlsplit

from shared.mapping.addresses import canonical_ip
from shared.mapping.graph_model import Entity
from shared.mapping.ocsf import keys
from shared.mapping.placeholders import is_placeholder

_HASH_BY_LENGTH: Final = {64: "sha256", 40: "sha1", 32: "md5"}


def ip_entity(address: str, scope: str) -> Entity | None:
    """None for an address that names no host (broadcast, netmask, multicast)."""
    key = keys.ip(address, scope)
    return None if key is None else Entity(key, "IP", "IP", {"address": address})


def email_entity(text: str) -> Entity | None:
    found = email_entities(text)
    return found[0] if found else None


def email_entities(text: str) -> list[Entity]:
    """Every address in an RFC 5322 field: `Bob <bob@x.example>, carol@y.example`."""
    found = []
    for _, raw_address in getaddresses([text]):
        address = raw_address.strip().lower()
        if "@" in address.strip("@") and not is_placeholder(address):
            found.append(Entity(f"Email:{address}", "Email", "Email", {"address": address}))
    return found


def domain_entity(name: str | None) -> Entity | None:
    """Domains are case-insensitive and the root dot is optional: `Example.COM.` is `example.com`."""
    if name is None:
        return None
    canonical = name.strip().rstrip(".").lower()
    if not canonical or is_placeholder(canonical) or canonical_ip(canonical.strip("[]")):
        return None
    return Entity(f"Domain:{canonical}", "Domain", "Domain", {"name": canonical})


def host_or_ip(name: str, scope: str) -> Entity | None:
    """A host name that is an address is that IP, in every format; `localhost` is no
    host (None)."""
    address = canonical_ip(name)
    if address is not None:
        return ip_entity(address, scope)
    key = keys.host(None, None, name, None)
    return None if key is None else Entity(key, "Host", "Host", {"hostname": name})


def url_entities(text: str) -> Iterator[Entity]:
    yield Entity(keys.url(text), "Url", "Url", {"url": text})
    domain = domain_entity(_hostname_of(text))
    if domain is not None:
        yield domain


def _hostname_of(text: str) -> str | None:
    try:
        return urlsplit(text if "//" in text else f"//{text}").hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None


def hash_digest(value: str) -> tuple[str, str] | None:
    """A bare hash (an observable's value): its algorithm told by its length."""
    text = value.strip().lower()
    algorithm = _HASH_BY_LENGTH.get(len(text))
    if algorithm is None or any(c not in "0123456789abcdef" for c in text):
        return None
    return algorithm, text
