"""IP addresses in canonical form, and whether a name is one."""

from __future__ import annotations

import functools
import ipaddress
import re

from shared.mapping.placeholders import is_placeholder

# `10.0.0.5:443`, `[2001:db8::1]:443`, `[2001:db8::1]`: the address is group 1 or 2.
_WITH_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}|\[([0-9A-Fa-f:.%\w]+)\](?::\d{1,5})?")

# An IPv4 address already in canonical form (four decimal octets up to 255, no leading
# zeros): exactly what `ipaddress` would give back unchanged, at a fraction of its cost.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


# Parsing an address costs more than the rest of its entity, and a few addresses (servers,
# scanners, gateways) recur in most events. Bounded, and a pure function of its argument.
@functools.lru_cache(maxsize=65_536)
def canonical_ip(text: str | None) -> str | None:
    """The address in canonical form (`ipaddress`), or None if `text` is not one.

    Unspecified addresses (`0.0.0.0`, `::`) are placeholders, not hosts: None.
    A bracketed IPv6 literal (`[2001:db8::1]`), an IPv6 zone (`fe80::1%eth0`) and an
    address with its port (`10.0.0.5:443`, `[2001:db8::1]:443`) are read.
    """
    if not text:
        return None
    candidate = text.strip()
    if _CANONICAL_IPV4.fullmatch(candidate) is not None:
        return None if is_placeholder(candidate) else candidate
    with_port = _WITH_PORT.fullmatch(candidate)
    if with_port is not None:
        candidate = with_port[1] or with_port[2]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if is_placeholder(address.compressed):
        return None
    return address.compressed
