"""CEF custom fields whose labels name an entity (cef_labels.py) into the OCSF-shaped
event. Pure.

- A label that names a side (`Source IPv6 Address`, `Target User Name`): the value goes
  in the slot the fixed keys would fill (`src_endpoint.ip` / `.hostname`,
  `dst_endpoint.*`, `actor.user` for a source account, `user` for a destination one)
  when the line left it empty; else it is an observable named by the slot's path, so a
  second source address (the IPv6 one of a dual-stack host) is still an entity of the
  event. A side's NAT address (`Source NAT IP`) is an observable named for that.
- A label that names a kind and no side (`Workstation`, `Peer IP`, `Email Address`): an
  observable of that kind, named by the label.
- A `c6a` field is an IPv6 address whatever its label says; a `cs` field whose label
  names no kind (`Rule`, `User Agent`) stays an Event property only.
- A value that does not fit its label (an "address" that is no IP) is reported dropped
  under its key, never refusing the line; the value stays on the Event as `cs1`...
"""

from __future__ import annotations

from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import MAX_TEXT
from shared.mapping.formats.cef_labels import Kind, LabelMeaning, label_meaning
from shared.mapping.formats.draft import host_or_ip
from shared.mapping.graph_model import DroppedField
from shared.mapping.placeholders import meaningful

_CUSTOM: Final = (
    *((f"c6a{i}", True) for i in range(1, 5)),
    *((f"cs{i}", False) for i in range(1, 7)),
)
_ENDPOINTS: Final = {"src": "src_endpoint", "dst": "dst_endpoint"}
# OCSF observable type_id of each kind: the same in every version the mapping knows.
_OBSERVABLE_TYPES: Final[dict[Kind, int]] = {"host": 1, "ip": 2, "user": 4, "email": 5}


def not_an_address(key: str, text: str) -> str:
    return f"CEF extension {key}: '{text[:64]}' is not a valid IP address"


def add_custom_fields(event: dict[str, Any], ext: dict[str, str]) -> list[DroppedField]:
    """Lay the labelled custom fields over `event` (the translated line, changed in
    place); return the ones whose value did not fit."""
    dropped: list[DroppedField] = []
    for key, is_address in _CUSTOM:
        text = meaningful(ext.get(key))
        if text is None:
            continue
        label = meaningful(ext.get(f"{key}Label"))
        meaning = label_meaning(label) if label else None
        if is_address:
            meaning = LabelMeaning(
                "ip", meaning.role if meaning else None, meaning is not None and meaning.translated
            )
        if meaning is None or meaning.kind is None:
            continue
        reason = _place(event, key, (label or key)[:MAX_TEXT], meaning, text[:MAX_TEXT])
        if reason is not None:
            dropped.append(DroppedField(key, reason))
    return dropped


def _place(
    event: dict[str, Any], key: str, label: str, meaning: LabelMeaning, text: str
) -> str | None:
    """Put the value where its label says; the reason it cannot go anywhere, else None."""
    kind: Kind | None = meaning.kind
    value = text
    if kind == "ip":
        address = canonical_ip(text)
        if address is None:
            return not_an_address(key, text)
        value = address
    elif kind == "host":
        named = host_or_ip(text)
        if not named:
            return None  # `localhost` and the like name no machine: nothing to link
        kind, value = ("ip", named["ip"]) if "ip" in named else ("host", named["hostname"])
    elif kind == "email" and "@" not in text:
        return f"CEF extension {key}: '{text[:64]}' is not an e-mail address"
    if kind is None:
        return None
    slot = None if meaning.translated else _slot(event, meaning, kind)
    if slot is not None:
        holder, name, path = slot
        if name not in holder:
            holder[name] = value
            return None
        if holder[name] == value:
            return None
        label = path
    event.setdefault("observables", []).append(
        {"name": label, "type_id": _OBSERVABLE_TYPES[kind], "value": value}
    )
    return None


def _slot(
    event: dict[str, Any], meaning: LabelMeaning, kind: Kind
) -> tuple[dict[str, Any], str, str] | None:
    """The OCSF object, field and path a value of this side and kind belongs in, if any."""
    if meaning.role is None or kind == "email":
        return None
    if kind == "user":
        if meaning.role == "src":
            return event.setdefault("actor", {}).setdefault("user", {}), "name", "actor.user"
        return event.setdefault("user", {}), "name", "user"
    endpoint = _ENDPOINTS[meaning.role]
    field = "ip" if kind == "ip" else "hostname"
    return event.setdefault(endpoint, {}), field, f"{endpoint}.{field}"
