"""OpenVPN server lines, read into OCSF fields. Pure.

An OpenVPN server starts each line about a client with who it is: `<common name>/<address>:<port>`
once the client's certificate is verified, `<address>:<port>` before that (with the name
in brackets on `Peer Connection Initiated`, and `MULTI: Learn: <tunnel ip> -> <cn>/<addr>:<port>`
naming both). The common name is the client's certificate name, a name local to this
VPN server: `user` (HAS_USER), keyed on the server's host like any bare user name. The
address and port are `src_endpoint`; the address given to the client inside the tunnel
is `tunnel_interface.ip`. A username checked by password is `user` too, the common name
beside it a User Name observable.

The class is Tunnel Activity (4014): Open on `Peer Connection Initiated`, Close when the
client instance exits or restarts, Other for the rest. A username/password check
(`authentication succeeded for username 'x'`, `Auth Username/Password verification
failed`) is Authentication (3002), the username as `user`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.formats.draft import OcsfDraft, compact, port_number
from shared.mapping.formats.syslog_auth import LOGON, authentication
from shared.mapping.placeholders import meaningful

_ADDRESS: Final = r"(?:\[AF_INET6?\])?([0-9A-Fa-f:.]{2,45}):(\d{1,5})"
_CLIENT: Final = re.compile(rf"([^\s/\[\]]{{1,64}})/{_ADDRESS}(?=[\s,]|$)", re.ASCII)
_PEER: Final = re.compile(rf"^{_ADDRESS}(?: \[([^\]\s]{{1,64}})\])?(?=\s|$)", re.ASCII)
_LEARN: Final = re.compile(r"\bMULTI(?:_sva)?: (?:Learn: (\S+) ->|pool returned IPv4=([\d.]+))")
_VERIFIED_CN: Final = re.compile(r"\bVERIFY OK: depth=0, (?:.*[ ,/])?CN=([^,/\s]+)", re.ASCII)
_USERNAME_OK: Final = re.compile(
    r"\bauthentication succeeded for username '([^']+)'", re.ASCII | re.IGNORECASE
)
_AUTH_FAILED: Final = re.compile(
    r"\b(?:Username/Password verification failed|AUTH_FAILED)"
    r"(?:.*?for username '([^']+)')?",
    re.ASCII,
)
_CLOSE: Final = re.compile(
    r"client-instance (?:exiting|restarting)|Inactivity timeout|connection-reset|remote-exit"
    r"|Connection reset, restarting|ping-restart"
)
# The CN before the client's certificate is read.
_UNDEFINED: Final = frozenset({"UNDEF"})
TUNNEL_ACTIVITY: Final = 4014


def openvpn(msg: str) -> OcsfDraft | None:
    text = msg.strip()
    client = _CLIENT.match(text)
    peer = _PEER.match(text) if client is None else None
    learned = _LEARN.search(text)
    if client is None and peer is None and learned is None:
        return None
    name = address = port = None
    if client is not None:
        name, address, port = client.groups()
    elif peer is not None:
        address, port, name = peer.groups()
    if learned is not None and learned[1] is not None:
        learnt = _CLIENT.search(text, learned.end())
        if learnt is not None:
            name, address, port = learnt.groups()
    if (verified := _VERIFIED_CN.search(text)) is not None:
        name = name or verified[1]
    cn = meaningful(name) if name not in _UNDEFINED else None
    source = _endpoint(address, port)
    tunnel_ip = canonical_ip((learned[1] or learned[2]) if learned else None)
    if (ok := _USERNAME_OK.search(text)) is not None:
        fields = authentication(LOGON, True, user=ok[1], source=source)
    elif (failed := _AUTH_FAILED.search(text)) is not None:
        fields = authentication(
            LOGON,
            False,
            user=failed[1],
            source=source,
            detail="Username/Password verification failed",
        )
    else:
        fields = compact(
            class_uid=TUNNEL_ACTIVITY,
            category_uid=4,
            activity_id=_activity(text),
            user=compact(name=cn),
            src_endpoint=source,
            tunnel_interface=compact(ip=tunnel_ip),
        )
    if not source and not cn and not tunnel_ip:
        return None
    named = fields.get("user", {}).get("name")
    if cn and named != cn:  # the certificate's name beside the username checked
        fields["observables"] = [
            {"name": "common_name", "type_id": 4, "type": "User Name", "value": cn}
        ]
    props = compact(common_name=cn)
    return OcsfDraft(fields, props)


def _activity(text: str) -> int:
    if "Peer Connection Initiated" in text:
        return 1
    if _CLOSE.search(text):
        return 2
    return 99


def _endpoint(address: str | None, port: str | None) -> dict[str, Any]:
    ip = canonical_ip(address) if address else None
    return compact(ip=ip, port=port_number(port)) if ip else {}
