"""Snare's Windows events over syslog (`MSWinEventLog`), read into OCSF fields. Pure.

Snare sends one Windows event log record per line, its fields separated by tabs (or by
`#011`, as rsyslog escapes a tab):

    MSWinEventLog <crit> <log> <counter> <time> <event id> <source> <user> <SID type>
    <audit type> <computer> <category> <data> <expanded message> [<checksum>]

The computer is the `device` (a Windows machine: its users' bare names are folded). The
event id picks the class (`_CLASSES`: log-ons 3002, account changes 3001, group changes
3006; anything else stays a Base Event with what it names), the audit type
(`Success Audit`, `Failure Audit`) the status.

The accounts are in the expanded message, as `Label: value` pairs. Modern events (Vista and
later) group them in sections, and the section says whose account it is: `Subject:` is who
acted (`actor.user`), `New Logon:`, `Account For Which Logon Failed:`, `Target Account:`,
`Member:` and their kin the account acted on (`user`), `Group:` the group. Windows 2003
events label each value instead (`User Name:`/`Domain:`, `Caller User Name:`). Either way
`Workstation Name`, `Source Network Address` and `Source Port` name the client
(`src_endpoint`).
"""

from __future__ import annotations

import re
from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.formats.draft import OcsfDraft, compact, port_number
from shared.mapping.placeholders import meaningful

_SEPARATOR: Final = re.compile(r"\t|#011")
_LABEL: Final = re.compile(r"(?<!\S)([A-Z][\w-]*(?: [A-Z][\w-]*){0,5}):(?=\s|$)", re.ASCII)
# Runs of whitespace separate the pairs; single spaces may sit inside a value.
_GAP: Final = re.compile(r"\s{2,}|\t")
_WINDOWS: Final = {"name": "Windows", "type_id": 100}

# Section headings, by the role of the account they hold.
_SECTIONS: Final[dict[str, str | None]] = {
    "Subject": "actor",
    "New Logon": "user",
    "Account For Which Logon Failed": "user",
    "Target Account": "user",
    "New Account": "user",
    "Account Information": "user",
    "Account Whose Credentials Were Used": "user",
    "Target Subject": "user",
    "Member": "user",
    "Group": "group",
    "New Group": "group",
    "Changed Group": "group",
    "Network Information": None,
    "Process Information": None,
    "Logon Information": None,
    "Failure Information": None,
    "Detailed Authentication Information": None,
    "Additional Information": None,
    "Attributes": None,
    "Privileges": None,
}
# Labels that name a role and a field whatever section they sit in (Windows 2003 and the
# network fields), or a field of the section's account.
_FIELDS: Final[dict[str, tuple[str | None, str]]] = {
    "Security ID": (None, "uid"),
    "Account Name": (None, "name"),
    "Account Domain": (None, "domain"),
    "Supplied Realm Name": (None, "domain"),
    "Group Name": ("group", "name"),
    "Group Domain": ("group", "domain"),
    "User Name": ("user", "name"),
    "Domain": ("user", "domain"),
    "Target User Name": ("user", "name"),
    "Target Account Name": ("user", "name"),
    "Target Domain": ("user", "domain"),
    "Target Account ID": ("user", "uid"),
    "Member Name": ("user", "name"),
    "Member ID": ("user", "uid"),
    "Logon Account": ("user", "name"),
    "Caller User Name": ("actor", "name"),
    "Caller Domain": ("actor", "domain"),
    "Workstation Name": ("src", "hostname"),
    "Source Workstation": ("src", "hostname"),
    "Caller Computer Name": ("src", "hostname"),
    "Client Name": ("src", "hostname"),
    "Source Network Address": ("src", "ip"),
    "Source Address": ("src", "ip"),
    "Client Address": ("src", "ip"),
    "Source Port": ("src", "port"),
    "Client Port": ("src", "port"),
}
# Labels read for no field, known so that a value in front of one is cut where it ends
# when a sender squeezed the gaps to single spaces (`Domain: ACME Logon ID: 0x3E7`).
_OTHER_LABELS: Final = frozenset(
    {
        "Logon ID", "Logon Type", "Logon Process", "Logon GUID", "Linked Logon ID",
        "Authentication Package", "Package Name", "Key Length", "Transited Services",
        "Process ID", "Process Name", "Caller Process ID", "Caller Process Name",
        "Caller Logon ID", "Failure Reason", "Status", "Sub Status", "Error Code",
        "Result Code", "Impersonation Level", "Restricted Admin Mode", "Virtual Account",
        "Elevated Token", "Network Account Name", "Network Account Domain",
        "Ticket Options", "Ticket Encryption Type", "Pre-Authentication Type",
        "Service Name", "Service ID", "Old Account Name", "New Account Name",
        "Display Name", "User Principal Name", "SAM Account Name", "Home Directory",
        "Privileges", "Target Server Name", "Additional Information", "Logon Time",
        "Client Logon ID", "Client Domain", "User ID", "Primary User Name",
        "Primary Domain", "Primary Logon ID", "Client User Name", "Source Port",
    }
)  # fmt: skip
_KNOWN_LABELS: Final = frozenset(_SECTIONS) | frozenset(_FIELDS) | _OTHER_LABELS


def _ids(*numbers: int) -> frozenset[int]:
    return frozenset(numbers)


# (event ids, class_uid, activity_id); the 2003 ids (5xx, 6xx) beside their successors.
_CLASSES: Final[tuple[tuple[frozenset[int], int, int], ...]] = (
    (_ids(4624, 4625, 4648, 4768, 4769, 4771, 4776, 528, 529, 530, 531, 532, 533, 534, 535,
          536, 537, 539, 540, 552, 672, 673, 675, 680, 681), 3002, 1),
    (_ids(4634, 4647, 538, 551), 3002, 2),
    (_ids(4720, 624), 3001, 1),
    (_ids(4722, 626), 3001, 2),
    (_ids(4723, 627), 3001, 3),
    (_ids(4724, 628), 3001, 4),
    (_ids(4725, 629), 3001, 5),
    (_ids(4726, 630), 3001, 6),
    (_ids(4740, 644), 3001, 9),
    (_ids(4767), 3001, 12),
    (_ids(4738, 4781, 642, 685), 3001, 99),
    (_ids(4728, 4732, 4746, 4751, 4756, 4761, 632, 636, 650, 655, 660, 665), 3006, 3),
    (_ids(4729, 4733, 4747, 4752, 4757, 4762, 633, 637, 651, 656, 661, 666), 3006, 4),
    (_ids(4730, 4734, 4748, 4753, 4758, 4763, 634, 638, 652, 657, 662, 667), 3006, 5),
    (_ids(4727, 4731, 4744, 4749, 4754, 4759, 631, 635, 648, 653, 658, 663), 3006, 6),
)  # fmt: skip


def snare(msg: str) -> OcsfDraft | None:
    fields = _SEPARATOR.split(msg.strip())
    if len(fields) < 11 or fields[0] != "MSWinEventLog" or not fields[5].isdecimal():
        return None
    event_id = int(fields[5])
    log, source, user_field, audit, computer = (
        fields[2],
        fields[6],
        fields[7],
        fields[9],
        fields[10],
    )
    expanded = fields[13] if len(fields) > 13 else ""
    host = meaningful(computer)
    class_uid, activity = _class_of(event_id)
    group_event = class_uid == 3006
    roles = _accounts(expanded, group_event)
    user = roles.get("user") or _qualified(user_field)
    status = {"Success Audit": ("Success", 1), "Failure Audit": ("Failure", 2)}.get(audit)
    found = compact(
        class_uid=class_uid,
        category_uid=class_uid // 1000,
        activity_id=activity if class_uid else None,
        status=status[0] if status else None,
        status_id=status[1] if status else None,
        device={"hostname": host, "os": _WINDOWS} if host else None,
        user=user,
        actor=compact(user=roles.get("actor")),
        group=roles.get("group") if group_event else None,
        src_endpoint=_endpoint(roles.get("src", {})),
    )
    props = compact(event_code=str(event_id), log_name=log, event_source=source)
    return OcsfDraft(found, props)


def _class_of(event_id: int) -> tuple[int, int]:
    for ids, class_uid, activity in _CLASSES:
        if event_id in ids:
            return class_uid, activity
    return 0, 0


def _accounts(text: str, group_event: bool) -> dict[str, dict[str, Any]]:
    """The accounts and the client the expanded message names, by role."""
    roles: dict[str, dict[str, Any]] = {}
    section: str | None = None
    for label, value in _pairs(text):
        if label in _SECTIONS and not value:
            section = _SECTIONS[label]
            continue
        spec = _FIELDS.get(label)
        if spec is None:
            continue
        role, field = spec
        if role is None:
            role = section
        elif role == "user" and group_event and label.startswith("Target"):
            role = "group"  # a 2003 group event names the group as its target
        if role is None:
            continue
        cleaned = _clean(field, value)
        if cleaned is not None:
            roles.setdefault(role, {}).setdefault(field, cleaned)
    return roles


def _pairs(text: str) -> list[tuple[str, str]]:
    """`Label: value` pairs. A run of words before a colon is a label when it ends in a
    known one (`S-1-0-0 Account Name:`); the value runs to the next label, cut at the
    first gap of two spaces or a tab (an unknown label after it is left out)."""
    marks: list[tuple[int, int, str]] = []
    for match in _LABEL.finditer(text):
        words = match[1].split(" ")
        start = next((i for i in range(len(words)) if " ".join(words[i:]) in _KNOWN_LABELS), 0)
        offset = len(" ".join(words[:start])) + (1 if start else 0)
        marks.append((match.start() + offset, match.end(), " ".join(words[start:])))
    pairs = []
    for index, (_, value_start, label) in enumerate(marks):
        end = marks[index + 1][0] if index + 1 < len(marks) else len(text)
        value = _GAP.split(text[value_start:end].strip(), maxsplit=1)[0]
        pairs.append((label, value.strip()))
    return pairs


def _clean(field: str, value: str) -> str | None:
    text = meaningful(value)
    if text is None:
        return None
    if field == "uid":
        text = text.removeprefix("%{").removesuffix("}")
        return text if text.upper() != "S-1-0-0" else None  # the NULL SID
    if field == "hostname":
        return meaningful(text.lstrip("\\"))
    return text


def _endpoint(src: dict[str, Any]) -> dict[str, Any]:
    address = src.get("ip", "").removeprefix("::ffff:")
    ip = canonical_ip(address) if address else None
    host = src.get("hostname")
    return compact(
        ip=ip,
        hostname=host if host and canonical_ip(host) is None else None,
        port=port_number(src.get("port")),
    )


def _qualified(text: str) -> dict[str, Any]:
    """Snare's own user field: `DOMAIN\\name`, or `N/A`."""
    name = meaningful(text)
    return {"name": name} if name else {}
