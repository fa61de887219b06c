"""What a CEF custom field's label says it holds. Pure.

Senders put addresses, host names and accounts the fixed keys have no room for in
`cs1`-`cs6` and `c6a1`-`c6a4`, and say what each is in its label (`cs2Label=Target
User Name`, `c6a2Label=Source IPv6 Address`). Labels are free text in every vendor's
own words, so they are read by two general rules rather than a list of known labels:

- **Kind**, from the label's head noun, which in English is its last word: `User Name`,
  `Source User` and `Target Account` hold an account; `User Agent`, `Account Domain` and
  `Logon Type` do not. A head `name` takes its kind from the word before it (`Host
  Name`, `User Name`), and a head `address` is an IP unless the word before it makes it
  another kind of address (`MAC Address` is none, `Email Address` is an e-mail).
- **Role**, from any word of the label: `source`/`client`/`attacker`/... is the source
  side, `destination`/`target`/`server`/... the destination side; `translated`/`nat`
  marks a NAT address of that side.

A label that matches neither rule says nothing: the field stays an Event property only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["ip", "host", "user", "email"]
Role = Literal["src", "dst"]

# "IPv6Address" -> IPv6, Address; "srcIP" -> src, IP; "Source_Host" -> Source, Host.
_WORD: Final = re.compile(r"[A-Z]*[a-z]+\d*|[A-Z]+\d*(?![a-z])|\d+", re.ASCII)

_IP_HEADS: Final = frozenset({"ip", "ipv4", "ipv6", "ipaddr", "ipaddress", "addr", "address"})
_HOST_HEADS: Final = frozenset({"host", "hostname", "computer", "workstation", "machine", "fqdn"})
_USER_HEADS: Final = frozenset({"user", "username", "account", "accountname", "principal", "upn"})
_EMAIL_HEADS: Final = frozenset({"email", "mail", "emailaddress", "mailbox"})
# Before a head `name`: whose name it is.
_NAME_OWNERS: Final[dict[str, Kind]] = {
    **dict.fromkeys(("host", "computer", "workstation", "machine", "server", "dns"), "host"),
    **dict.fromkeys(("user", "account", "login", "logon"), "user"),
}
# Before a head `address`: addresses that are not IP addresses, or e-mail ones.
_OTHER_ADDRESSES: Final[dict[str, Kind | None]] = {
    **dict.fromkeys(("mac", "physical", "hardware", "ether", "postal", "street", "home"), None),
    **dict.fromkeys(("email", "mail"), "email"),
}
_SOURCE_WORDS: Final = frozenset(
    {"source", "src", "client", "attacker", "origin", "originating", "initiator", "caller"}
)
_DESTINATION_WORDS: Final = frozenset(
    {"destination", "dest", "dst", "target", "victim", "server", "responder"}
)
_TRANSLATED_WORDS: Final = frozenset({"translated", "nat", "natted", "xlate", "mapped"})


@dataclass(frozen=True, slots=True)
class LabelMeaning:
    kind: Kind | None  # None: the label names a side but not what the value is
    role: Role | None
    translated: bool = False


def label_words(label: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(label)]


def label_meaning(label: str) -> LabelMeaning | None:
    """What `label` says its field holds; None when it says nothing this reads."""
    words = label_words(label)
    if not words:
        return None
    kind = _kind(words)
    role = _role(words)
    if kind is None and role is None:
        return None
    return LabelMeaning(kind, role, translated=not _TRANSLATED_WORDS.isdisjoint(words))


def _kind(words: list[str]) -> Kind | None:
    head, before = words[-1], words[-2] if len(words) > 1 else ""
    if head in ("address", "addr") and before in _OTHER_ADDRESSES:
        return _OTHER_ADDRESSES[before]
    if head in _IP_HEADS:
        return "ip"
    if head in _HOST_HEADS:
        return "host"
    if head in _USER_HEADS:
        return "user"
    if head in _EMAIL_HEADS:
        return "email"
    if head == "name":
        return _NAME_OWNERS.get(before)
    return None


def _role(words: list[str]) -> Role | None:
    source = not _SOURCE_WORDS.isdisjoint(words)
    destination = not _DESTINATION_WORDS.isdisjoint(words)
    if source == destination:
        return None  # neither, or both ("Source to Destination Path"): no side
    return "src" if source else "dst"
