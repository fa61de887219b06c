"""Names that are unique only on one machine, and values that name no thing at all.

Every host has its own `root`, its own LocalSystem (`S-1-5-18`), its own `127.0.0.1`;
an entity keyed by such a name alone would join unrelated machines in one node. These
predicates tell the key rules (shared/mapping/ocsf/keys.py) which names need a scope.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Final, Literal

AddressScope = Literal["global", "host", "none"]

# Domains that mean "this machine" rather than a directory: the accounts in them exist,
# with the same names and SIDs, on every Windows host.
LOCAL_AUTHORITIES: Final = frozenset(
    {
        "nt authority",
        "nt service",
        "builtin",
        "window manager",
        "font driver host",
        "iis apppool",
        "nt virtual machine",
        "nt-autorität",
        "autorite nt",
        "autoridad nt",
    }
)

# The names Windows logs for its well-known principals, each with the SID it logs for
# the same principal elsewhere, so that both spellings key one node per machine.
WELL_KNOWN_SIDS: Final[dict[str, str]] = {
    "nt authority\\system": "S-1-5-18",
    "nt authority\\localsystem": "S-1-5-18",
    "nt authority\\local service": "S-1-5-19",
    "nt authority\\localservice": "S-1-5-19",
    "nt authority\\network service": "S-1-5-20",
    "nt authority\\networkservice": "S-1-5-20",
    "nt authority\\anonymous logon": "S-1-5-7",
    "nt authority\\network": "S-1-5-2",
    "nt authority\\interactive": "S-1-5-4",
    "nt authority\\authenticated users": "S-1-5-11",
    "nt authority\\iusr": "S-1-5-17",
    "everyone": "S-1-1-0",
    "\\everyone": "S-1-1-0",
    "builtin\\administrators": "S-1-5-32-544",
    "builtin\\users": "S-1-5-32-545",
    "builtin\\guests": "S-1-5-32-546",
    "builtin\\power users": "S-1-5-32-547",
    "builtin\\backup operators": "S-1-5-32-551",
    "builtin\\remote desktop users": "S-1-5-32-555",
    "builtin\\event log readers": "S-1-5-32-573",
}

_SID: Final = re.compile(r"S-1-\d+(?:-\d+)+", re.ASCII | re.IGNORECASE)
# Domain and machine SIDs (S-1-5-21-a-b-c-rid) and Entra ID ones (S-1-12-1-...) are
# unique to one directory; every other SID is defined the same on every machine.
_GLOBAL_SID: Final = re.compile(r"S-1-(?:5-21|12-1)(?:-\d+)+", re.ASCII | re.IGNORECASE)

# RFC 6761: `localhost` and every name under it is the machine itself; the others are
# the loopback aliases distributions put in /etc/hosts.
_LOOPBACK_NAMES: Final = frozenset(
    {"localhost", "localhost4", "localhost6", "ip6-localhost", "ip6-loopback", "loopback"}
)

# IPv4 240.0.0.0/4 is reserved: it holds the limited broadcast and every netmask of
# four bits or more (255.255.255.0, 255.255.0.0, 248.0.0.0, ...), never a host.
_RESERVED_V4: Final = ipaddress.ip_network("240.0.0.0/4")


def sid(text: str) -> str | None:
    """`text` as a SID in canonical (upper) case, or None if it is not one."""
    candidate = text.strip()
    return candidate.upper() if _SID.fullmatch(candidate) else None


def is_global_sid(canonical_sid: str) -> bool:
    return _GLOBAL_SID.fullmatch(canonical_sid) is not None


def is_local_host_name(name: str) -> bool:
    """`localhost`, `localhost.localdomain`, `ip6-localhost`, `app.localhost`: names every
    machine gives itself, which say nothing about which machine."""
    labels = name.strip().rstrip(".").lower().split(".")
    return labels[0] in _LOOPBACK_NAMES or labels[-1] == "localhost"


@functools.lru_cache(maxsize=65_536)
def address_scope(canonical: str) -> AddressScope:
    """Where an address (already canonical) names one thing.

    `host`: loopback and link-local, the same numbers on every machine. `none`:
    multicast, broadcast, netmasks and the reserved range, which name no host. `global`:
    everything else, private RFC 1918 ranges included (one organisation's network).
    """
    address = ipaddress.ip_address(canonical)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast:
        return "none"
    if isinstance(address, ipaddress.IPv4Address) and address in _RESERVED_V4:
        return "none"
    if address.is_loopback or address.is_link_local:
        return "host"
    return "global"


def netmask_bits(canonical: str) -> int | None:
    """The prefix length when an IPv4 address is a netmask (`255.255.255.0` is 24)."""
    try:
        value = int(ipaddress.IPv4Address(canonical))
    except ValueError:
        return None
    inverted = ~value & 0xFFFFFFFF
    if value == 0 or inverted & (inverted + 1):
        return None  # not ones followed by zeros
    return 32 - inverted.bit_length()


def is_subnet_broadcast(canonical: str, prefix: int) -> bool:
    """Whether the address is the broadcast of its subnet under a `/prefix` netmask."""
    if prefix >= 31:
        return False  # /31 and /32 have no broadcast address
    try:
        value = int(ipaddress.IPv4Address(canonical))
    except ValueError:
        return False
    host_bits = (1 << (32 - prefix)) - 1
    return value & host_bits == host_bits
