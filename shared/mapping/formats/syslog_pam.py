"""What PAM modules write, read into OCSF fields. Pure.

PAM names its module and the calling service in one of two places. Current Linux-PAM
prefixes the message: `sshd[7]: pam_unix(sshd:auth): authentication failure; ...`.
Older releases put them in the syslog tag and leave the message bare:
`sshd(pam_unix)[7]: authentication failure; ...`. `split_tag` takes the second form
apart, and every reader here takes the message either way: with the prefix anywhere
in it (`message repeated 2 times: [ pam_unix(...)...]`), or without one at its start.

The stage (`auth`, `session`, `chauthtok`) decides the class where the text alone does
not: an authentication failure while changing a password is an Account Change
(3001, Password Change, Failure), not a failed log-on.
"""

from __future__ import annotations

import re
from typing import Any, Final

from shared.mapping.formats.draft import OcsfDraft, compact
from shared.mapping.formats.syslog_accounts import PASSWORD_CHANGE, account_change
from shared.mapping.formats.syslog_auth import LOGOFF, LOGON, authentication, remote
from shared.mapping.placeholders import meaningful

# `pam_unix(sshd:auth): ` and its kin (`pam_sss`, `pam_faillock`, `pam_tally2`).
_PREFIX: Final = re.compile(r"\b(pam_[\w-]{1,32})\(([^:()\s]{0,64}):(\w{1,16})\):\s*", re.ASCII)
# An old-style tag: `sshd(pam_unix)`.
_OLD_TAG: Final = re.compile(r"([^\s()]{1,48})\((pam_[\w-]{1,32})\)", re.ASCII)
_AUTH_FAILURE: Final = re.compile(r"authentication failures?;(.*)", re.ASCII)
# sshd sums up the failures PAM reported: `PAM 2 more authentication failures; ...`.
_MORE_FAILURES: Final = re.compile(r"\bPAM \d+ more authentication failures?;(.*)", re.ASCII)
_SESSION: Final = re.compile(
    r"session (opened|closed) for user ([^\s(]+)(?:\(uid=\d+\))?(?: by ([^\s(]*)(?:\(uid=\d+\))?)?",
    re.ASCII,
)
_PASSWORD_CHANGED: Final = re.compile(r"password changed for (\S+)", re.ASCII)
_LOCKED: Final = re.compile(
    r"\b(?:Consecutive login failures for user (\S+) account temporarily locked"
    r"|user (\S+) \(\d+\) tally (\d+), deny (\d+))",
    re.ASCII,
)
# unix_chkpwd, pam_unix's helper: `password check failed for user (mark)`.
_CHECK_FAILED: Final = re.compile(r"\bpassword check failed for user \(?([^\s()]+)\)?", re.ASCII)
_NOT_MET: Final = re.compile(r"\brequirement \"[^\"]*\" not met by user \"([^\"]+)\"", re.ASCII)
_KEY_VALUE: Final = re.compile(r"(\w+)=(\S*)", re.ASCII)


def split_tag(app_name: str | None) -> tuple[str | None, str | None]:
    """The program and the PAM module of an old-style tag (`sshd(pam_unix)`); any other
    tag is the program alone."""
    if app_name is None:
        return None, None
    old = _OLD_TAG.fullmatch(app_name)
    return (old[1], old[2]) if old is not None else (app_name, None)


def _stage(msg: str, pattern: re.Pattern[str]) -> tuple[re.Match[str], dict[str, Any]] | None:
    """`pattern` read after a PAM prefix, or at the start of a bare message; with the
    prefix's module, service and stage as properties."""
    prefix = _PREFIX.search(msg)
    if prefix is not None:
        found = pattern.match(msg, prefix.end())
        if found is not None:
            module, service, stage = prefix.groups()
            return found, compact(pam_module=module, pam_service=service, pam_type=stage)
    found = pattern.match(msg.lstrip())
    return (found, {}) if found is not None else None


def auth_failure(msg: str) -> OcsfDraft | None:
    read = _stage(msg, _AUTH_FAILURE)
    if read is None:
        more = _MORE_FAILURES.search(msg)
        if more is None:
            return None
        read = (more, {})
    match, props = read
    values = dict(_KEY_VALUE.findall(match[1]))
    user = meaningful(values.get("user"))
    # Three accounts may be named: `user` was asked for, `ruser` asked (su's invoker),
    # `logname` is who logged on to the terminal asking. The first other than `user`
    # acted; a third name is kept as a User Name observable.
    others = [
        name
        for name in dict.fromkeys(
            (meaningful(values.get("ruser")), meaningful(values.get("logname")))
        )
        if name is not None and name != user
    ]
    source = remote(values.get("rhost"))
    if props.get("pam_type") == "chauthtok":
        fields = account_change(
            PASSWORD_CHANGE, False, user=user, actor=others[0] if others else None
        )
        fields["status_detail"] = "authentication failure"
        fields.update(compact(src_endpoint=source))
    else:
        fields = authentication(
            LOGON,
            False,
            user=user,
            actor=others[0] if others else None,
            source=source,
            detail="authentication failure",
        )
    if len(others) > 1:
        fields["observables"] = [
            {"name": "logname", "type_id": 4, "type": "User Name", "value": others[1]}
        ]
    return OcsfDraft(fields, props)


def session(msg: str) -> OcsfDraft | None:
    read = _stage(msg, _SESSION)
    if read is None:
        return None
    match, props = read
    verb, user, by = match.groups()
    activity = LOGON if verb == "opened" else LOGOFF
    return OcsfDraft(authentication(activity, True, user=user, actor=by), props)


def password_changed(msg: str) -> OcsfDraft | None:
    read = _stage(msg, _PASSWORD_CHANGED)
    if read is None:
        return None
    match, props = read
    fields = account_change(PASSWORD_CHANGE, True, user=match[1])
    return OcsfDraft(fields, props) if "user" in fields else None


def lockout(msg: str) -> OcsfDraft | None:
    """pam_faillock and pam_tally2 refusing an account for its failed log-ons: a Lock."""
    match = _LOCKED.search(msg)
    if match is None:
        return None
    faillock, tallied, tally, deny = match.groups()
    fields = account_change(9, True, user=faillock or tallied)
    if tally is not None:
        fields["status_detail"] = f"tally {tally}, deny {deny}"
    prefix = _PREFIX.search(msg)
    props = compact(pam_module=prefix[1], pam_service=prefix[2]) if prefix else {}
    return OcsfDraft(fields, props)


def check_failed(msg: str) -> OcsfDraft | None:
    """unix_chkpwd's and pam_succeed_if's refusals of one user: a failed log-on."""
    match = _CHECK_FAILED.search(msg) or _NOT_MET.search(msg)
    if match is None:
        return None
    detail = "password check failed" if "password check" in match[0] else match[0]
    fields = authentication(LOGON, False, user=match[1], detail=detail)
    return OcsfDraft(fields) if "user" in fields else None
