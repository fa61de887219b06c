"""IP addresses in canonical form, and whether a name is one."""

from __future__ import annotations

import functools
import ipaddress

from shared.mapping.placeholders import is_placeholder


# Parsing an address costs more than the rest of its entity, and a few addresses (servers,
# scanners, gateways) recur in most events. Bounded, and a pure function of its argument.
@functools.lru_cache(maxsize=65_536)
def canonical_ip(text: str | None) -> str | None:
    """The address in canonical form (`ipaddress`), or None if `text` is not one.

    Unspecified addresses (`0.0.0.0`, `::`) are placeholders, not hosts: None.
    A bracketed IPv6 literal (`[2001:db8::1]`) and an IPv6 zone (`fe80::1%eth0`) are read.
    """
    if not text:
        return None
    candidate = text.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if is_placeholder(address.compressed):
        return None
    return address.compressed
