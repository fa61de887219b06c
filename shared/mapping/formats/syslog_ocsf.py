"""A parsed syslog message to an OCSF-shaped event.

Every line gets the sending host (`device`, ON_DEVICE) unless its HOSTNAME is a
placeholder (`-`, `---`, `unknown`): a filler shared by unrelated senders would join
their events in one node. A HOSTNAME that is an address is the device's IP, as in CEF.
When the line names both a program and a process id, the sending process
(`actor.process`, HAS_ACTOR_PROCESS) is keyed `Process@<host key>/<procid>/<app>`:
syslog carries no process start time, so a recycled pid of the same program on the
same host shares the node. A HOSTNAME of `localhost` names no machine: no device.

Then the message is offered to the recognisers (`syslog_recognisers.RECOGNISERS`); the
first that reads it sets the class and adds what it found, otherwise the event is
class 0 (Base Event). Event properties say how the line was read: `syslog_format`
(`rfc5424`, `rfc3164` or `free-form`, with `syslog_unparsed_because` for the last) and
`syslog_recogniser`.

A message no recogniser reads still names addresses (a Cisco ASA connection, an app's
client IP). Which role each plays is unknown, so they are not guessed into
`src_endpoint`/`dst_endpoint`: they go to OCSF `observables` (type 2, IP Address), the
schema's place for "this value appears in the event".
"""

from __future__ import annotations

import re
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import MAX_TEXT
from shared.mapping.formats.draft import OcsfDraft, compact, device_key, host_or_ip
from shared.mapping.formats.syslog import SyslogMessage
from shared.mapping.formats.syslog_pam import split_tag
from shared.mapping.formats.syslog_recognisers import recognise
from shared.mapping.graph_model import Scalar
from shared.mapping.local_names import address_scope, is_subnet_broadcast, netmask_bits

# Syslog severity 0 (Emergency) .. 7 (Debug) to OCSF severity_id.
_SEVERITY: Final = (6, 5, 5, 4, 3, 2, 1, 1)
# Address-shaped tokens; canonical_ip decides. IPv6 needs two colons, so a time of day
# ("10:00:00") is offered but refused by the check.
_ADDRESS: Final = re.compile(
    r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"  # `inside:10.0.0.5/51514` too
    r"|(?<![\w.:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w.])",
    re.ASCII,
)
_MAX_OBSERVABLES: Final = 16


def syslog_to_ocsf(message: SyslogMessage) -> OcsfDraft:
    event: dict[str, Any] = {"class_uid": 0, "severity_id": _SEVERITY[message.severity]}
    if message.time is not None:
        event["time"] = message.time.isoformat()
    if message.msg:
        event["message"] = message.msg[:MAX_TEXT]
    device = host_or_ip(message.hostname)
    if device:
        event["device"] = device
    host = device_key(device)
    program, _ = split_tag(message.app_name)  # `sshd(pam_unix)` is sshd
    if host and program and message.procid:
        event["actor"] = {"process": _sender_process(program, message.procid)}

    props = _extra_props(message)
    found = recognise(message.app_name, message.msg)
    if found is not None:
        name, recognised = found
        actor = {**event.get("actor", {}), **recognised.event.get("actor", {})}
        event.update(recognised.event)
        event["actor"] = actor
        props.update(recognised.extra_props)
        props["syslog_recogniser"] = name
    else:
        event["observables"] = _address_observables(message.msg)
    return OcsfDraft(compact(**event), props)


def _address_observables(text: str) -> list[dict[str, Any]]:
    """The addresses a line names, less the netmasks it names and the broadcast
    addresses of the subnets those masks give (`broadcast 10.0.1.255 netmask
    255.255.255.0`): they name no host."""
    found: dict[str, None] = {}
    for token in _ADDRESS.findall(text):
        address = canonical_ip(token)
        if address is not None:
            found[address] = None
    masks = {bits for address in found if (bits := netmask_bits(address)) is not None}
    hosts = [
        address
        for address in found
        if address_scope(address) != "none"
        and not any(is_subnet_broadcast(address, bits) for bits in masks)
    ]
    return [
        {"name": "message", "type_id": 2, "type": "IP Address", "value": address}
        for address in hosts[:_MAX_OBSERVABLES]
    ]


def _sender_process(app: str, procid: str) -> dict[str, Any]:
    """The OCSF mapping keys it by the device, the pid and the name, as every process
    without a uid; a PROCID that is no number is a label, kept in the name."""
    if procid.isdecimal() and len(procid) < 19:
        return {"name": app, "pid": int(procid)}
    return {"name": f"{app}[{procid}]"}


def _extra_props(message: SyslogMessage) -> dict[str, Scalar]:
    props: dict[str, Scalar] = {
        "syslog_format": message.protocol,
        "facility": message.facility,
        "syslog_severity": message.severity,
    }
    for name, value in (
        ("app_name", message.app_name),
        ("procid", message.procid),
        ("msgid", message.msgid),
        ("syslog_unparsed_because", message.unparsed_because),
    ):
        if value is not None:
            props[name] = value
    return props
