"""Log-on messages of sshd, su, login and systemd-logind, read into OCSF fields. Pure.

Each reader takes the message text (after the syslog header) and returns the OCSF
fields it found, or None when the text is not its shape. The table that names the
programs each applies to, with sample lines, is `syslog_recognisers.RECOGNISERS`.

Users go to `user` (the account logged on to, HAS_USER) and, where the line names who
acted (`su`'s invoker, PAM's `ruser`), to `actor.user` (HAS_PRINCIPAL). PAM's own
lines are read in `syslog_pam`. The remote end
goes to `src_endpoint`: an address becomes an IP, a name (sshd with UseDNS, PAM's
`rhost`) a Host. Placeholders (`-`, `unknown`, an empty `user=`) are never entities.
"""

from __future__ import annotations

import re
from typing import Any, Final

from shared.mapping.formats.draft import OcsfDraft, compact, host_or_ip, port_number
from shared.mapping.placeholders import meaningful

# OCSF Authentication (3002) activities.
LOGON: Final = 1
LOGOFF: Final = 2
OTHER: Final = 99

_SSHD_AUTH: Final = re.compile(
    r"\b(Accepted|Failed) (\S+) for (?:(?:invalid|illegal) user )?(\S*?) from (\S+)"
    r"(?: port (\d{1,5}))?",
    re.ASCII,
)
_SSHD_INVALID: Final = re.compile(
    r"\b(?:(?:Invalid|Illegal) user (\S*?) from (\S+)(?: port (\d{1,5}))?"
    r"|User (\S+) from (\S+) not allowed because)",
    re.ASCII,
)
_SSHD_CLOSED: Final = re.compile(
    r"\b(?:Connection closed by|Connection reset by|Disconnected from|Disconnecting"
    r"|Received disconnect from)"
    r"(?: (authenticating|invalid|illegal))?(?: user (\S*?))? (\S+?)"
    r"(?: port (\d{1,5})\b|(?=:? |:?$))",
    re.ASCII,
)
# sshd -o LogLevel=VERBOSE: `Connection from A port P on B port Q`.
_SSHD_OPENED: Final = re.compile(
    r"\bConnection from (\S+) port (\d{1,5}) on (\S+) port (\d{1,5})\b", re.ASCII
)
_SSHD_TOO_MANY: Final = re.compile(
    r"\bToo many authentication failures for (?:(?:invalid|illegal) user )?(\S+?)"
    r"(?: from (\S+?))?(?: port (\d{1,5}))?(?: ssh2)?(?: \[preauth\])?$",
    re.ASCII,
)
# OpenSSH 8.x and later: `subsystem request for sftp by user backup`.
_SSHD_SUBSYSTEM: Final = re.compile(r"\bsubsystem request for (\S+) by user (\S+)", re.ASCII)
# Other sshd lines still name who and where from ("maximum authentication attempts
# exceeded for invalid user X from A port N", "PAM: Authentication failure for X from A").
_SSHD_FOR_FROM: Final = re.compile(
    r"\bfor (?:(?:invalid|illegal) user )?(\S+?) from (\S+?)(?: port (\d{1,5}))?(?:\s|$)",
    re.ASCII,
)
_SSHD_PEER: Final = re.compile(
    r"\b(?:from|with|by) \[?([0-9A-Fa-f.:]+?)\]?(?: port (\d{1,5}))?(?:[\s:,]|$)", re.ASCII
)
_SSHD_USER: Final = re.compile(r"\b(?:invalid|illegal) user (\S+)", re.ASCII)
_SU_FOR_BY: Final = re.compile(r"\b(Successful|FAILED) su for (\S+) by (\S+)", re.ASCII)
_SU_TO: Final = re.compile(r"(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)", re.ASCII)
_SU_QUOTED: Final = re.compile(r"'su (\S+)' (failed|succeeded) for (\S+) on (\S+)", re.ASCII)
_SU_SHADOW: Final = re.compile(r"^([+-]) (\S+) ([^\s:]+):(\S+)$", re.ASCII)
_DNS_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,252}", re.ASCII)
# login (util-linux and shadow): `ROOT LOGIN ON tty3`, `LOGIN ON pts/1 BY ann FROM h`,
# `FAILED LOGIN 2 FROM h FOR ann, Authentication failure`, shadow's quoted
# `FAILED LOGIN (1) on '/dev/tty1' FOR 'ann', Authentication failure`.
_LOGIN_OK: Final = re.compile(
    r"\b(?:(ROOT) LOGIN|LOGIN) {1,2}ON '?([^'\s]+)'?(?: BY '?([^'\s]+)'?)?(?: FROM '?([^'\s]+)'?)?",
    re.ASCII | re.IGNORECASE,
)
_LOGIN_FAILED: Final = re.compile(
    r"\b(?:FAILED LOGIN (?:\(?\d+\)?|SESSION)|TOO MANY LOGIN TRIES \(?\d+\)?)"
    r"(?: ON '?([^'\s]+)'?)?(?: FROM '?([^'\s]+?)'?)? FOR '?([^'\s,]+)'?(?:, (.+))?",
    re.ASCII | re.IGNORECASE,
)
# util-linux writes the terminal where a local log-in has no remote host.
_TTY: Final = re.compile(r"(?:/dev/)?(?:tty|pts/|console|vc/|hvc|ttyS|ttyUSB)\w*", re.ASCII)
_LOGIND: Final = re.compile(r"\bNew session (\S+) of user (\S+?)\.?$", re.ASCII)


def authentication(
    activity: int,
    success: bool | None,
    *,
    user: str | None = None,
    actor: str | None = None,
    source: dict[str, Any] | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """The OCSF fields of an Authentication (3002) event; None `success` is no status."""
    status = None if success is None else ("Success", 1) if success else ("Failure", 2)
    return compact(
        class_uid=3002,
        category_uid=3,
        activity_id=activity,
        status=status[0] if status else None,
        status_id=status[1] if status else None,
        status_detail=detail,
        user=_user(user),
        actor=compact(user=_user(actor)),
        src_endpoint=source or {},
    )


def remote(host: str | None, port: str | None = None) -> dict[str, Any]:
    """A remote end as `src_endpoint`: an address is an IP, a DNS name a Host, and
    anything else (a near miss, `???`) nothing."""
    # `::ffff:192.0.2.9`: an IPv4 client of a dual-stack server, named as IPv4.
    if host and host[:7].lower() == "::ffff:" and "." in host:
        host = host[7:]
    end = host_or_ip(host)
    if "hostname" in end and _DNS_NAME.fullmatch(end["hostname"]) is None:
        return {}
    return compact(**end, port=port_number(port))


def sshd_auth(msg: str) -> OcsfDraft | None:
    match = _SSHD_AUTH.search(msg)
    if match is None:
        return None
    verdict, method, name, source, port = match.groups()
    invalid = "invalid user " in match[0] or "illegal user " in match[0]
    fields = authentication(
        LOGON,
        verdict == "Accepted",
        user=name,
        source=remote(source, port),
        detail="Invalid user" if invalid else None,
    )
    return OcsfDraft(fields, {"auth_method": method})


def sshd_invalid_user(msg: str) -> OcsfDraft | None:
    match = _SSHD_INVALID.search(msg)
    if match is None:
        return None
    name, source, port, denied, denied_from = match.groups()
    if denied is not None:  # AllowUsers/DenyUsers refused an existing account
        fields = authentication(
            LOGON, False, user=denied, source=remote(denied_from), detail="User not allowed"
        )
    else:
        fields = authentication(
            LOGON, False, user=name, source=remote(source, port), detail="Invalid user"
        )
    return OcsfDraft(fields)


def sshd_closed(msg: str) -> OcsfDraft | None:
    match = _SSHD_CLOSED.search(msg)
    if match is None:
        return None
    stage, name, source, port = match.groups()
    # Without a port (OpenSSH before 7.5) only an address is taken: `by peer` is no host.
    if port is None and "ip" not in host_or_ip(source):
        return None
    if meaningful(name) is None:
        # No account: only the network connection ended (OCSF Network Activity, Close).
        end = remote(source, port)
        return OcsfDraft({"class_uid": 4001, "category_uid": 4, "activity_id": 2, **_src(end)})
    # "authenticating"/"invalid" user: the client left before logging on.
    activity, detail = (OTHER, f"Closed before log-on ({stage} user)") if stage else (LOGOFF, None)
    return OcsfDraft(
        authentication(activity, None, user=name, source=remote(source, port), detail=detail)
    )


def sshd_opened(msg: str) -> OcsfDraft | None:
    match = _SSHD_OPENED.search(msg)
    if match is None:
        return None
    source, destination = remote(match[1], match[2]), remote(match[3], match[4])
    if "ip" not in source:
        return None
    return OcsfDraft(
        compact(
            class_uid=4001,
            category_uid=4,
            activity_id=1,
            src_endpoint=source,
            dst_endpoint=destination,
        )
    )


def sshd_too_many(msg: str) -> OcsfDraft | None:
    """`Too many authentication failures for deploy [preauth]`: sshd gave up on a log-on."""
    match = _SSHD_TOO_MANY.search(msg.strip())
    if match is None:
        return None
    name, source, port = match.groups()
    fields = authentication(
        LOGON,
        False,
        user=name,
        source=remote(source, port),
        detail="Too many authentication failures",
    )
    return OcsfDraft(fields)


def sshd_subsystem(msg: str) -> OcsfDraft | None:
    """A logged-on user asking for a subsystem (sftp): Authentication, activity Other."""
    match = _SSHD_SUBSYSTEM.search(msg)
    if match is None:
        return None
    fields = authentication(OTHER, True, user=match[2], detail=f"subsystem request: {match[1]}")
    fields["service"] = {"name": match[1]}
    return OcsfDraft(fields, {"subsystem": match[1]})


def sshd_other(msg: str) -> OcsfDraft | None:
    who = _SSHD_FOR_FROM.search(msg)
    if who is not None:
        return OcsfDraft(compact(user=_user(who[1]), src_endpoint=remote(who[2], who[3])))
    user, peer = _SSHD_USER.search(msg), _SSHD_PEER.search(msg)
    source = remote(peer[1], peer[2]) if peer is not None else {}
    if not source.get("ip"):  # a DNS name here is more likely a word than a host
        source = {}
    fields = compact(user=_user(user[1] if user else None), src_endpoint=source)
    return OcsfDraft(fields) if fields else None


def su(msg: str) -> OcsfDraft | None:
    if (match := _SU_FOR_BY.search(msg)) is not None:
        success, target, invoker, tty = match[1] == "Successful", match[2], match[3], None
    elif (match := _SU_TO.search(msg)) is not None:
        success, target, invoker, tty = not match[1], match[2], match[3], match[4]
    elif (match := _SU_QUOTED.search(msg)) is not None:
        success, target, invoker, tty = match[2] == "succeeded", match[1], match[3], match[4]
    elif (match := _SU_SHADOW.match(msg.strip())) is not None:
        success, tty, invoker, target = match[1] == "+", match[2], match[3], match[4]
    else:
        return None
    fields = authentication(LOGON, success, user=target, actor=invoker)
    return OcsfDraft(fields, compact(tty=tty))


def login(msg: str) -> OcsfDraft | None:
    if (match := _LOGIN_OK.search(msg)) is not None:
        root, tty, by, origin = match.groups()
        success, user, detail = True, "root" if root else by, None
    elif (match := _LOGIN_FAILED.search(msg)) is not None:
        tty, origin, user, detail = match.groups()
        success = False
    else:
        return None
    if origin is not None and _TTY.fullmatch(origin):
        tty, origin = tty or origin, None
    fields = authentication(
        LOGON, success, user=user, source=remote(origin), detail=detail and detail.strip()
    )
    return OcsfDraft(fields, compact(tty=tty))


def logind_new_session(msg: str) -> OcsfDraft | None:
    match = _LOGIND.search(msg.strip())
    if match is None:
        return None
    fields = authentication(LOGON, True, user=match[2])
    return OcsfDraft(fields, {"session": match[1]})


def _user(name: str | None) -> dict[str, Any]:
    text = meaningful(name)
    return {"name": text} if text else {}


def _src(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {"src_endpoint": endpoint} if endpoint else {}
