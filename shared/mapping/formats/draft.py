"""What a translated format (CEF, syslog) hands to the OCSF mapper, and the fragments
both build the same way (hosts that may be addresses, processes without a start time)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import decimal_int
from shared.mapping.graph_model import DroppedField, Scalar
from shared.mapping.local_names import address_scope, is_local_host_name
from shared.mapping.ocsf import keys
from shared.mapping.placeholders import meaningful

_BASENAME: Final = re.compile(r"[/\\]")


@dataclass(frozen=True, slots=True)
class OcsfDraft:
    """An OCSF-shaped event (or the fields a syslog recogniser lays over one), plus
    properties OCSF has no field for (they go on the Event node under the fixed names the
    translator chose)."""

    event: dict[str, Any]
    extra_props: dict[str, Scalar] = field(default_factory=dict)
    # Header fields of the line that were unusable and left out; reported with the
    # OCSF mapper's own drops.
    dropped: tuple[DroppedField, ...] = ()


def compact(**values: Any) -> dict[str, Any]:
    """The named values that are present: None, "" and empty objects are left out."""
    # Truthiness drops None, "", {} and []; numbers stay even when zero.
    return {
        name: value for name, value in values.items() if value or isinstance(value, int | float)
    }


def port_number(text: str | None) -> int | None:
    if text is None or not text.isdecimal() or len(text) > 5:
        return None
    number = int(text)
    return number if number <= 65_535 else None


def host_or_ip(name: str | None) -> dict[str, str]:
    """A host name as an OCSF endpoint/device fragment: `{"ip": ...}` when the name is an
    address (so it keys the same IP node whatever field named it), `{"hostname": ...}`
    otherwise, and nothing for a placeholder (`-`, `unknown`, ...)."""
    text = meaningful(name)
    if text is None or is_local_host_name(text):
        return {}  # `localhost` says nothing about which machine
    address = canonical_ip(text)
    return {"ip": address} if address is not None else {"hostname": text}


def device_key(device: dict[str, Any]) -> str | None:
    """The key the device's node gets (Host by name, else IP), to scope process ids;
    None when the device is known only by an address every machine has (127.0.0.1)."""
    if device.get("hostname"):
        return keys.host(None, None, device["hostname"], None)
    address = device.get("ip")
    if address and address_scope(address) == "global":
        return keys.global_key("IP", address)
    return None


def named_process(name: str | None, pid: str | None) -> dict[str, Any]:
    """An OCSF process from a name (or executable path) and a pid as text.

    Neither syslog nor CEF gives a start time: the OCSF mapping keys such a process by
    the event's device, pid and name (docs/formats.md, "Entity keys")."""
    program = meaningful(name)
    number = decimal_int(pid.strip()) if pid else None
    if number is not None and not 0 <= number < 2**62:
        number = None
    if program is None and number is None:
        return {}
    path = program if program and ("/" in program or "\\" in program) else None
    if path is not None:
        program = _BASENAME.split(path)[-1] or path
    return compact(name=program, pid=number, file=compact(path=path))
