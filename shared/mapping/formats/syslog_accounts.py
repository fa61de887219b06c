"""Account management lines (shadow-utils and its kin), read into OCSF fields. Pure.

`useradd`, `userdel`, `usermod`, `passwd`, `chage`, `chsh`, `chfn` change one user:
OCSF Account Change (3001), the user in `user` (HAS_USER), a new name in `user_result`.
`groupadd`, `groupdel`, `groupmod`, `gpasswd` and the group lines of `useradd`/`userdel`
change a group or its members: OCSF Group Management (3006), the group in `group`
(HAS_GROUP) and the member in `user`. Who made the change, when the line says
(`gpasswd`'s `by root`), is `actor.user` (HAS_PRINCIPAL).

The tools write `key=value` lists (`new user: name=kmoss, UID=1004, ...`) or sentences
naming the account, quoted or not (`delete user 'oldsvc'`, `user priya added by root to
group wheel`). Each shape is one row of `_SHAPES`: the sentence, with named groups for
the accounts it names, and the class and activity it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from shared.mapping.formats.draft import OcsfDraft, compact
from shared.mapping.placeholders import meaningful

ACCOUNT_CHANGE: Final = 3001
GROUP_MANAGEMENT: Final = 3006
# Account Change activities, the same in OCSF 1.0 to 1.9.
CREATE, ENABLE, PASSWORD_CHANGE, DELETE, LOCK, UNLOCK, OTHER = 1, 2, 3, 6, 9, 12, 99
# Group Management activities.
ADD_USER, REMOVE_USER, GROUP_DELETE, GROUP_CREATE = 3, 4, 5, 6

# An account name as the tools print it: bare or in single quotes.
_NAME: Final = r"'?([^\s',:;()\[\]]{1,256})'?"


def _n(group: str) -> str:
    return _NAME.replace("(", f"(?P<{group}>", 1)


@dataclass(frozen=True, slots=True)
class _Shape:
    pattern: re.Pattern[str]
    class_uid: int
    activity: int
    detail: str | None = None


def _shape(text: str, class_uid: int, activity: int, detail: str | None = None) -> _Shape:
    return _Shape(re.compile(text, re.ASCII), class_uid, activity, detail)


_U, _G, _A, _NEW = _n("user"), _n("group"), _n("actor"), _n("new")
_SHAPES: Final[tuple[_Shape, ...]] = (
    # useradd, adduser, newusers
    _shape(r"\bnew user: name=(?P<user>[^\s,]{1,256})(?P<kv>.*)", ACCOUNT_CHANGE, CREATE),
    _shape(rf"\bfailed adding user {_U}", ACCOUNT_CHANGE, CREATE, "failed adding user"),
    _shape(rf"\bdelete user {_U}", ACCOUNT_CHANGE, DELETE),
    # usermod, passwd -l/-u, chpasswd, shadow's and busybox's passwd
    _shape(rf"\bchange user name {_U} to {_NEW}", ACCOUNT_CHANGE, OTHER, "user name changed"),
    _shape(rf"\bchange user {_U} password\b", ACCOUNT_CHANGE, PASSWORD_CHANGE),
    _shape(rf"\bpassword for {_U} changed(?: by {_A})?", ACCOUNT_CHANGE, PASSWORD_CHANGE),
    _shape(rf"\block user {_U} password\b", ACCOUNT_CHANGE, LOCK),
    _shape(rf"\bunlock user {_U} password\b", ACCOUNT_CHANGE, UNLOCK),
    _shape(rf"\bchange user {_U} (?P<what>\w+) from\b", ACCOUNT_CHANGE, OTHER),
    # chsh, chfn, chage
    _shape(rf"\bchanged user {_U} (?P<what>shell|information)\b", ACCOUNT_CHANGE, OTHER),
    _shape(
        rf"\bchanged password expiry for {_U}", ACCOUNT_CHANGE, OTHER, "password expiry changed"
    ),
    # membership: useradd -G, usermod -G, userdel, gpasswd
    _shape(rf"\badd {_U} to (?:shadow )?group {_G}", GROUP_MANAGEMENT, ADD_USER),
    _shape(rf"\bdelete {_U} from (?:shadow )?group {_G}", GROUP_MANAGEMENT, REMOVE_USER),
    _shape(rf"\buser {_U} added by {_A} to group {_G}", GROUP_MANAGEMENT, ADD_USER),
    _shape(rf"\buser {_U} removed by {_A} from group {_G}", GROUP_MANAGEMENT, REMOVE_USER),
    # groupadd, useradd's own group, groupdel, userdel's, groupmod, gpasswd
    _shape(
        r"\b(?:new group|group added to \S+): name=(?P<group>[^\s,]{1,256})(?P<kv>.*)",
        GROUP_MANAGEMENT,
        GROUP_CREATE,
    ),
    _shape(rf"\bremoved (?:shadow )?group {_G} owned by {_U}", GROUP_MANAGEMENT, GROUP_DELETE),
    _shape(rf"\bgroup {_G} removed\b", GROUP_MANAGEMENT, GROUP_DELETE),
    _shape(r"\bgroup changed in \S+ \(group (?P<group>[^/\s]+)/", GROUP_MANAGEMENT, OTHER),
    _shape(
        rf"\b(?P<what>password|members|administrators) of group {_G} (?:changed|removed|set)"
        rf" by {_A}",
        GROUP_MANAGEMENT,
        OTHER,
    ),
)
_KEY_VALUE: Final = re.compile(r"(\w+)=([^,\s]*)", re.ASCII)


def account_change(
    activity: int,
    success: bool | None,
    *,
    user: str | None = None,
    actor: str | None = None,
    result: str | None = None,
) -> dict[str, Any]:
    """The OCSF fields of an Account Change (3001); None `success` is no status."""
    return compact(
        class_uid=ACCOUNT_CHANGE,
        category_uid=3,
        activity_id=activity,
        **_status(success),
        user=_named(user),
        user_result=_named(result),
        actor=compact(user=_named(actor)),
    )


def account_management(msg: str) -> OcsfDraft | None:
    """The first of `_SHAPES` the message holds."""
    for shape in _SHAPES:
        match = shape.pattern.search(msg)
        if match is not None:
            return _read(shape, match.groupdict())
    return None


def _read(shape: _Shape, found: dict[str, str | None]) -> OcsfDraft | None:
    values = dict(_KEY_VALUE.findall(found.get("kv") or ""))
    user = _named(found.get("user"), values.get("UID"))
    group = _named(found.get("group"), values.get("GID"))
    if not user and not group:
        return None
    failed = shape.detail is not None and shape.detail.startswith("failed")
    what = found.get("what")
    fields = compact(
        class_uid=shape.class_uid,
        category_uid=3,
        activity_id=shape.activity,
        **_status(not failed),
        status_detail=shape.detail or (f"{what} changed" if what else None),
        user=user,
        user_result=_named(found.get("new")),
        actor=compact(user=_named(found.get("actor"))),
    )
    if shape.class_uid == GROUP_MANAGEMENT:
        fields.update(compact(group=group))
    props = compact(home=values.get("home"), shell=values.get("shell"), tty=values.get("from"))
    return OcsfDraft(fields, props)


def _named(name: str | None, number: str | None = None) -> dict[str, Any]:
    text = meaningful(name)
    if text is None:
        return {}
    return compact(name=text, uid=number if number and number.isdecimal() else None)


def _status(success: bool | None) -> dict[str, Any]:
    if success is None:
        return {}
    return (
        {"status": "Success", "status_id": 1} if success else {"status": "Failure", "status_id": 2}
    )
