"""A parsed syslog message to an OCSF-shaped event.

Every line gets the sending host (`device`, ON_DEVICE) and, when it names both a
program and a process id, the sending process (`actor.process`, HAS_ACTOR_PROCESS),
keyed `Process:<host key>/<app>/<procid>`: syslog carries no process start time, so
a recycled pid of the same program on the same host shares the node.

Then the message text is matched against known programs; the first that recognises it
sets the class, otherwise the event is class 0 (Base Event):

| program           | message                                              | class |
|-------------------|------------------------------------------------------|-------|
| sshd*             | `Accepted/Failed <method> for [invalid user ]U from A port N` | 3002 |
| sudo              | `U : [reason ; ]TTY=.. ; PWD=.. ; USER=T ; COMMAND=C`        | 1007 |
| any (netfilter)   | `... IN=.. OUT=.. SRC=ip DST=ip ... PROTO=p [SPT= DPT=]`     | 4001 |

A recogniser that finds a near-miss (say an sshd line whose address is garbage) does
not refuse the line: it is still valid syslog, and stays a class 0 event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import MAX_TEXT
from shared.mapping.formats.draft import OcsfDraft, compact, port_number
from shared.mapping.formats.syslog import SyslogMessage
from shared.mapping.graph_model import Scalar
from shared.mapping.ocsf import keys

# Syslog severity 0 (Emergency) .. 7 (Debug) to OCSF severity_id.
_SEVERITY: Final = (6, 5, 5, 4, 3, 2, 1, 1)

_SSHD: Final = re.compile(
    r"(Accepted|Failed) (\S+) for (invalid user )?(\S+) from (\S+) port (\d{1,5})\b", re.ASCII
)
_NETFILTER_FIELD: Final = re.compile(r"(?<!\S)([A-Z]+)=(\S*)", re.ASCII)
_KERNEL_UPTIME: Final = re.compile(r"\[\s*\d+\.\d+\]\s*", re.ASCII)
_DENY_WORDS: Final = re.compile(r"block|drop|reject|deny|denied", re.IGNORECASE)
_ALLOW_WORDS: Final = re.compile(r"accept|allow|pass", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Recognised:
    fields: dict[str, Any]  # OCSF fields laid over the generic event
    props: dict[str, Scalar] = field(default_factory=dict)  # facts OCSF has no field for


Recogniser = Callable[[SyslogMessage], _Recognised | None]


def syslog_to_ocsf(message: SyslogMessage) -> OcsfDraft:
    event: dict[str, Any] = {"class_uid": 0, "severity_id": _SEVERITY[message.severity]}
    if message.time is not None:
        event["time"] = message.time.isoformat()
    if message.msg:
        event["message"] = message.msg[:MAX_TEXT]
    host = keys.host(None, None, message.hostname, None)
    if message.hostname is not None:
        event["device"] = {"hostname": message.hostname}
    if host and message.app_name and message.procid:
        event["actor"] = {"process": _sender_process(host, message.app_name, message.procid)}

    props = _extra_props(message)
    for recognise in _RECOGNISERS:
        found = recognise(message)
        if found is not None:
            actor = {**event.get("actor", {}), **found.fields.get("actor", {})}
            event.update(found.fields)
            event["actor"] = actor
            props.update({k: v for k, v in found.props.items() if v is not None})
            break
    return OcsfDraft(compact(**event), props)


def _sender_process(host: str, app: str, procid: str) -> dict[str, Any]:
    process: dict[str, Any] = {"uid": f"{host}/{app}/{procid}", "name": app}
    if procid.isdecimal() and len(procid) < 19:
        process["pid"] = int(procid)
    return process


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
    ):
        if value is not None:
            props[name] = value
    return props


# --- recognisers ------------------------------------------------------------------------


def _sshd(message: SyslogMessage) -> _Recognised | None:
    if not (message.app_name or "").startswith("sshd"):
        return None
    match = _SSHD.match(message.msg)
    if match is None:
        return None
    verdict, method, invalid_user, name, source, port = match.groups()
    success = verdict == "Accepted"
    ip = canonical_ip(source)
    # With sshd's UseDNS on, "from" names a host instead of an address.
    src = compact(ip=ip, hostname=None if ip else source, port=port_number(port))
    fields = compact(
        class_uid=3002,
        category_uid=3,
        activity_id=1,  # Logon
        status="Success" if success else "Failure",
        status_id=1 if success else 2,
        status_detail="Invalid user" if invalid_user else None,
        user={"name": name},
        src_endpoint=src,
    )
    return _Recognised(fields, {"auth_method": method})


def _sudo(message: SyslogMessage) -> _Recognised | None:
    if message.app_name != "sudo":
        return None
    invoker, separator, rest = message.msg.strip().partition(" : ")
    command_at = rest.find("COMMAND=")
    if not separator or not invoker or " " in invoker or command_at < 0:
        return None
    # COMMAND is last and may itself contain " ; ", so it is cut off before splitting.
    fields: dict[str, str] = {}
    reasons: list[str] = []
    for part in rest[:command_at].split(" ; "):
        key, equals, value = part.strip().partition("=")
        if equals and key in ("TTY", "PWD", "USER", "GROUP", "ENV"):
            fields[key] = value
        elif part.strip():
            reasons.append(part.strip())
    target = fields.get("USER")
    if not target:
        return None
    failure = "; ".join(reasons) or None  # e.g. "3 incorrect password attempts"
    process = compact(cmd_line=rest[command_at + len("COMMAND=") :].strip(), user={"name": target})
    found = compact(
        class_uid=1007,
        category_uid=1,
        activity_id=1,  # Launch
        status="Failure" if failure else "Success",
        status_id=2 if failure else 1,
        status_detail=failure,
        actor={"user": {"name": invoker}},
        process=process,
    )
    return _Recognised(found, compact(tty=fields.get("TTY"), cwd=fields.get("PWD")))


def _netfilter(message: SyslogMessage) -> _Recognised | None:
    text = message.msg
    if "SRC=" not in text or "DST=" not in text or "PROTO=" not in text:
        return None
    fields = {m[1]: m[2] for m in _NETFILTER_FIELD.finditer(text)}
    src, dst = canonical_ip(fields.get("SRC")), canonical_ip(fields.get("DST"))
    if src is None or dst is None or "IN" not in fields:
        return None
    prefix = _KERNEL_UPTIME.sub("", text[: text.find("IN=")], count=1).strip()
    action = None
    if _DENY_WORDS.search(prefix):
        action = "Denied"
    elif _ALLOW_WORDS.search(prefix):
        action = "Allowed"
    found = compact(
        class_uid=4001,
        category_uid=4,
        action=action,
        src_endpoint=compact(ip=src, port=port_number(fields.get("SPT"))),
        dst_endpoint=compact(ip=dst, port=port_number(fields.get("DPT"))),
        connection_info=compact(protocol_name=fields.get("PROTO", "").lower()),
    )
    props = compact(
        log_prefix=prefix, in_interface=fields.get("IN"), out_interface=fields.get("OUT")
    )
    return _Recognised(found, props)


_RECOGNISERS: Final[tuple[Recogniser, ...]] = (_sshd, _sudo, _netfilter)
