"""A parsed CEF record to an OCSF-shaped event (field tables in docs/formats.md).

Class, first rule that matches:

1. 3002 Authentication: Name or `cat` reads like a logon/logoff or credential check
   (`_AUTH_WORDS`). activity_id 2 (Logoff) for logoff words, else 1 (Logon).
2. 4002 HTTP Activity: a `request` URL is present.
3. 4001 Network Activity: `src` or `dst` is present.
4. 0 Base Event otherwise; the entities the fields name are still linked.

Users: `suser` is the actor (HAS_PRINCIPAL) and `duser` the account acted on
(HAS_USER), except in an authentication event without `duser`, where `suser` is the
account logging on and so becomes `user`.

Processes: `sproc`/`spid` are the acting process (`actor.process`), `dproc`/`dpid` the
one acted on (`process`). Without a start time a pid names a process only on one host:
the OCSF mapping keys it by the device, the pid and the name.

Placeholder names (`-`, `N/A`, ...) are dropped; a host name that is an address is
read as the address, so it keys an IP node and never a Host.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from shared.core.errors import InvalidEvent
from shared.mapping.addresses import canonical_ip
from shared.mapping.bsd_time import match_timestamp, parse_zone, timestamp_from_match
from shared.mapping.fields import MAX_TEXT
from shared.mapping.formats.cef import CefRecord
from shared.mapping.formats.cef_links import add_custom_fields, not_an_address
from shared.mapping.formats.draft import (
    OcsfDraft,
    compact,
    host_or_ip,
    named_process,
    port_number,
)
from shared.mapping.graph_model import DroppedField, Scalar
from shared.mapping.placeholders import meaningful
from shared.mapping.timeparse import TimeParseError, parse_event_time

_LOC: Final = ("event",)

# "log on" needs "to" or "logged" before it, so "log on disk full" stays out.
_AUTH_WORDS: Final = re.compile(
    r"\b(?:(?:log-?|logged[ -]?|to log )(?:on|in|off|out)|sign(?:ed)?[ -]?(?:in|on|out|off)"
    r"|authenticat\w*|auth|password|passwd|kerberos|credentials?|sso|mfa)\b",
    re.IGNORECASE,
)
_LOGOFF_WORDS: Final = re.compile(
    r"\b(?:(?:log-?|logged[ -]?|to log )(?:off|out)|sign(?:ed)?[ -]?(?:out|off))\b", re.IGNORECASE
)

# CEF severity 0-10 bands (the spec's Low/Medium/High/Very-High) to OCSF severity_id.
_SEVERITY_BANDS: Final = (1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5)
# The spec's words, and "Critical", which vendors use for the top band.
_SEVERITY_WORDS: Final = {
    "unknown": 0,
    "low": 2,
    "medium": 3,
    "high": 4,
    "very-high": 5,
    "veryhigh": 5,
    "critical": 5,
}
# `Very High`, `very_high`: one hyphen between the words, as the spec writes them.
_SEVERITY_SEPARATORS: Final = re.compile(r"[\s_]+")

_OUTCOMES: Final = {"success": ("Success", 1), "failure": ("Failure", 2), "fail": ("Failure", 2)}
_HASH_BY_LENGTH: Final = {64: "SHA-256", 40: "SHA-1", 32: "MD5"}
_HEX: Final = re.compile(r"[0-9A-Fa-f]+", re.ASCII)
_TIME_KEYS: Final = ("rt", "start", "end")
_SEVERITY_DECIMAL: Final = re.compile(r"(\d{1,2})(?:\.0+)?", re.ASCII)


def cef_to_ocsf(record: CefRecord, received_at: datetime) -> OcsfDraft:
    ext = record.extensions
    class_uid, activity_id = choose_class(record)
    user, actor_user = _users(ext, class_uid)
    status = _OUTCOMES.get(ext.get("outcome", "").strip("/ ").lower())
    time = _event_time(record, received_at)
    device = _device(record)
    severity, dropped = _severity(record.severity)
    observables, unusable = _observables(ext)
    event = compact(
        class_uid=class_uid,
        category_uid=class_uid // 1000,
        activity_id=activity_id,
        severity_id=severity,
        time=time.isoformat() if time else None,
        message=(ext.get("msg") or record.name)[:MAX_TEXT],
        status=status[0] if status else None,
        status_id=status[1] if status else None,
        status_detail=ext.get("reason"),
        outcome=ext.get("outcome"),
        action=ext.get("act"),
        metadata=compact(
            event_code=record.signature_id,
            product=compact(
                name=record.product, vendor_name=record.vendor, version=record.device_version
            ),
        ),
        src_endpoint=_endpoint(ext, ip="src", hostname="shost", port="spt", mac="smac"),
        dst_endpoint=_endpoint(ext, ip="dst", hostname="dhost", port="dpt", mac="dmac"),
        user=user,
        actor=compact(user=actor_user),
        device=device,
        http_request=compact(
            url=compact(url_string=meaningful(ext.get("request"))),
            http_method=ext.get("requestMethod"),
            user_agent=ext.get("requestClientApplication"),
        ),
        file=_file(ext),
        connection_info=compact(protocol_name=ext.get("proto", "").lower()),
        traffic=compact(bytes_in=_count(ext, "in"), bytes_out=_count(ext, "out")),
        observables=observables,
    )
    _add_processes(event, ext)
    unusable.extend(add_custom_fields(event, ext))
    return OcsfDraft(event, _extra_props(record), (*dropped, *unusable))


def choose_class(record: CefRecord) -> tuple[int, int | None]:
    """(class_uid, activity_id) by the rules in the module docstring."""
    ext = record.extensions
    words = f"{record.name} {ext.get('cat', '')}"
    if _AUTH_WORDS.search(words):
        return 3002, 2 if _LOGOFF_WORDS.search(words) else 1
    if meaningful(ext.get("request")):
        return 4002, None
    if meaningful(ext.get("src")) or meaningful(ext.get("dst")):
        return 4001, None
    return 0, None


def severity_id(text: str) -> int | None:
    """OCSF severity_id of a CEF Severity, None when it is neither 0-10 nor a known word."""
    number = _SEVERITY_DECIMAL.fullmatch(text)  # "7", and "7.0" as some senders print it
    if number is not None and int(number[1]) <= 10:
        return _SEVERITY_BANDS[int(number[1])]
    return _SEVERITY_WORDS.get(_SEVERITY_SEPARATORS.sub("-", text.strip().lower()))


def _severity(text: str) -> tuple[int | None, tuple[DroppedField, ...]]:
    # Severity is optional and names no entity: a value outside the spec loses the
    # field, never the line, and is reported like a bad optional OCSF field.
    value = severity_id(text)
    if value is not None:
        return value, ()
    reason = (
        "is empty"
        if not text
        else f"'{text[:32]}' is not 0-10 or Unknown/Low/Medium/High/Very-High/Critical"
    )
    return None, (DroppedField("Severity", f"CEF Severity {reason}"),)


# --- fields -----------------------------------------------------------------------------

# The observable type_id (OCSF's enum) of an IP address.
_IP: Final = 2
_NAT_KEYS: Final = (
    ("sourceTranslatedAddress", "st"),
    ("destinationTranslatedAddress", "dt"),
)


def _observables(ext: dict[str, str]) -> tuple[list[dict[str, Any]], list[DroppedField]]:
    """NAT addresses: fields the spec names that OCSF has no place for, so each is an
    observable named by its key. An address that is not one is dropped, not refused:
    these fields are optional and the line's own addresses were checked already.
    Custom fields (`c6a1`-`c6a4`, `cs1`-`cs6`) are placed by their labels (cef_links.py)."""
    found: list[dict[str, Any]] = []
    dropped: list[DroppedField] = []
    for full, short in _NAT_KEYS:
        key = full if full in ext else short
        text = meaningful(ext.get(key))
        if not text:
            continue
        ip = canonical_ip(text)
        if ip is None:
            dropped.append(DroppedField(key, not_an_address(key, text)))
        else:
            found.append({"name": full, "type_id": _IP, "value": ip})
    return found, dropped


def _users(ext: dict[str, str], class_uid: int) -> tuple[dict[str, Any], dict[str, Any]]:
    source = _user(ext, "suser", "sntdom", "suid")
    target = _user(ext, "duser", "dntdom", "duid")
    if class_uid == 3002 and not target:
        return source, {}
    return target, source


def _user(ext: dict[str, str], name: str, domain: str, uid: str) -> dict[str, Any]:
    user = compact(name=meaningful(ext.get(name)), uid=meaningful(ext.get(uid)))
    return compact(**user, domain=meaningful(ext.get(domain))) if user else {}


def _endpoint(
    ext: dict[str, str], *, ip: str, hostname: str, port: str, mac: str
) -> dict[str, Any]:
    named = host_or_ip(ext.get(hostname))
    address = _ip(ext, ip) or named.get("ip")
    return compact(
        ip=address, hostname=named.get("hostname"), port=_port(ext, port), mac=ext.get(mac)
    )


def _ip(ext: dict[str, str], key: str) -> str | None:
    text = meaningful(ext.get(key))
    if not text:
        return None
    address = canonical_ip(text)
    if address is None:
        raise InvalidEvent(_LOC, _bad_address(key, text))
    return address


def _bad_address(key: str, text: str) -> str:
    first, _, rest = text.partition(" ")
    if rest and canonical_ip(first) is not None:
        # The address is fine; what follows it is a key this parser could not read, or
        # an unescaped '=' in the next value, and the text joined the address's value.
        return (
            f"CEF extension {key} is the address '{first}' followed by '{rest[:64]}': "
            "that text is not a key=value pair (a malformed key, or a '=' left unescaped)"
        )
    return f"CEF extension {key}: '{text[:64]}' is not a valid IP address"


def _port(ext: dict[str, str], key: str) -> int | None:
    text = ext.get(key)
    if not text:
        return None
    number = port_number(text)
    if number is None:
        raise InvalidEvent(_LOC, f"CEF extension {key}: '{text[:16]}' is not a port 0-65535")
    return number


def _count(ext: dict[str, str], key: str) -> int | None:
    text = ext.get(key, "")
    return int(text) if text.isdecimal() and len(text) < 19 else None


def _device(record: CefRecord) -> dict[str, Any]:
    ext = record.extensions
    header_host = record.syslog.hostname if record.syslog else None
    named = host_or_ip(meaningful(ext.get("dvchost")) or header_host)
    address = _ip(ext, "dvc") or named.get("ip")
    return compact(hostname=named.get("hostname"), ip=address)


def _add_processes(event: dict[str, Any], ext: dict[str, str]) -> None:
    actor = named_process(ext.get("sproc"), ext.get("spid"))
    if actor:
        event.setdefault("actor", {})["process"] = actor
    target = named_process(ext.get("dproc"), ext.get("dpid"))
    if target:
        event["process"] = target


def _file(ext: dict[str, str]) -> dict[str, Any]:
    digest = ext.get("fileHash", "")
    algorithm = _HASH_BY_LENGTH.get(len(digest)) if _HEX.fullmatch(digest) else None
    hashes = [{"algorithm": algorithm, "value": digest}] if algorithm else None
    return compact(name=ext.get("fname"), path=ext.get("filePath"), hashes=hashes)


def _event_time(record: CefRecord, received_at: datetime) -> datetime | None:
    dtz = meaningful(record.extensions.get("dtz"))
    try:
        device_zone = parse_zone(dtz) if dtz else None
    except TimeParseError as exc:
        raise InvalidEvent(_LOC, f"CEF extension dtz: {exc}") from None
    for key in _TIME_KEYS:
        text = record.extensions.get(key)
        if text:
            try:
                return _cef_time(text, received_at, device_zone)
            except TimeParseError as exc:
                raise InvalidEvent(_LOC, f"CEF extension {key}: '{text[:64]}' {exc}") from None
    header = record.syslog
    if header is None or header.time is None:
        return None
    if device_zone is not None and header.wall_clock:
        # A BSD stamp is the device's wall clock, read as UTC until dtz says otherwise.
        return header.time.replace(tzinfo=device_zone).astimezone(UTC)
    return header.time


def _cef_time(text: str, received_at: datetime, device_zone: tzinfo | None) -> datetime:
    """Epoch milliseconds, or `MMM dd [yyyy] HH:mm:ss[.SSS] [zone]` (the CEF spec's
    forms); RFC 3339 too, which some senders use. `dtz` (the device's zone) applies to
    a time that names no zone of its own; epoch times are absolute and ignore it."""
    bsd = match_timestamp(text)
    if bsd is None:
        parsed = parse_event_time(text)
        if device_zone is not None and _is_naive_text(text):
            return parsed.replace(tzinfo=device_zone).astimezone(UTC)
        return parsed
    zone = text[bsd.end() :].strip()
    if zone and text[bsd.end()] != " ":
        raise TimeParseError("has text after the time that is not a time zone")
    return timestamp_from_match(bsd, received_at, zone or device_zone)


def _is_naive_text(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.strip()).tzinfo is None
    except ValueError:
        return False


def _extra_props(record: CefRecord) -> dict[str, Scalar]:
    ext = record.extensions
    props: dict[str, Scalar] = compact(
        event_name=record.name,
        category=ext.get("cat"),
        external_id=ext.get("externalId"),
    )
    # Custom fields keep fixed property names; their labels travel alongside, so a
    # sender cannot create or overwrite Event properties by naming a label.
    for prefix, count in (("cs", 6), ("cn", 3)):
        for index in range(1, count + 1):
            key = f"{prefix}{index}"
            if ext.get(key):
                props[key] = ext[key][:MAX_TEXT]
                if ext.get(f"{key}Label"):
                    props[f"{key}_label"] = ext[f"{key}Label"][:MAX_TEXT]
    return props
