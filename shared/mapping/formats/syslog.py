"""Syslog lines, RFC 5424 or RFC 3164 (BSD), to their parts. Pure.

Which grammar applies is decided by what follows PRI: a version number and a space
(`<34>1 `) is RFC 5424, anything else is read as RFC 3164. An RFC 3164 line may lack
PRI (lines copied from files under /var/log); it then gets PRI 13 (user.notice), as
RFC 3164 section 4.3.3 tells a relay to assign. See bsd_time for the missing year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Literal

from shared.core.errors import InvalidEvent
from shared.mapping.bsd_time import match_timestamp, timestamp_from_match
from shared.mapping.timeparse import TimeParseError

_LOC: Final = ("event",)
_DEFAULT_PRI: Final = 13

_PRI: Final = re.compile(r"<(\d{1,3})>", re.ASCII)
_VERSION: Final = re.compile(r"(\d{1,3}) ", re.ASCII)
_HEADER_5424: Final = re.compile(r"(\S+) (\S+) (\S+) (\S+) (\S+) ")
_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
_PRINTUSASCII: Final = re.compile(r"[!-~]+", re.ASCII)
# SD-NAME: printable US-ASCII except '=', ' ', ']' and '"', 1 to 32 of them.
_SD_ID: Final = re.compile(r"\[([!#-<>-\\^-~]{1,32})", re.ASCII)
_SD_PARAM: Final = re.compile(r' ([!#-<>-\\^-~]{1,32})="([^"\\]*+(?:\\.[^"\\]*+)*+)"', re.DOTALL)
_SD_ESCAPE: Final = re.compile(r'\\(["\\\]])')
# A 3164 TAG: the program name, an optional [pid], then a colon.
_TAG: Final = re.compile(r"([^\s:\[\]]{1,48})(?:\[([^\[\]\s]{1,128})\])?:(?: |$)")
_FIELD_LIMITS: Final = (("HOSTNAME", 255), ("APP-NAME", 48), ("PROCID", 128), ("MSGID", 32))


@dataclass(frozen=True, slots=True)
class SdElement:
    id: str
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SyslogMessage:
    protocol: Literal["rfc5424", "rfc3164"]
    facility: int
    severity: int
    time: datetime | None  # None: the line says "-" (RFC 5424 nil)
    hostname: str | None
    app_name: str | None
    procid: str | None
    msgid: str | None
    structured_data: tuple[SdElement, ...]
    msg: str


def parse_syslog(line: str, received_at: datetime) -> SyslogMessage:
    """Parse one syslog line; `received_at` anchors the year of RFC 3164 timestamps."""
    text = line.strip("\r\n").lstrip()
    if not text:
        raise _invalid("is empty")
    pri_match = _PRI.match(text)
    if pri_match is None:
        if text.startswith("<"):
            raise _invalid("PRI must be '<' 1-3 digits '>' at the start of the line")
        return _parse_3164(text, 0, _DEFAULT_PRI, received_at)
    pri = int(pri_match[1])
    if pri > 191:
        raise _invalid(f"PRI {pri} is out of range: facility*8+severity is at most 191")
    version = _VERSION.match(text, pri_match.end())
    if version is not None:
        if version[1] != "1":
            raise _invalid(f"syslog VERSION {version[1]} is not supported (RFC 5424 is 1)")
        return _parse_5424(text, version.end(), pri)
    return _parse_3164(text, pri_match.end(), pri, received_at)


# --- RFC 5424 ---------------------------------------------------------------------------


def _parse_5424(text: str, pos: int, pri: int) -> SyslogMessage:
    header = _HEADER_5424.match(text, pos)
    if header is None:
        raise _invalid(
            "RFC 5424 needs TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA after "
            "the version, separated by single spaces ('-' for a missing value)"
        )
    raw_time, *fields = header.groups()
    time = None if raw_time == "-" else _rfc3339(raw_time)
    values: list[str | None] = []
    for (name, limit), value in zip(_FIELD_LIMITS, fields, strict=True):
        if value == "-":
            values.append(None)
        elif len(value) > limit or not _PRINTUSASCII.fullmatch(value):
            raise _invalid(f"RFC 5424 {name} must be 1-{limit} printable US-ASCII characters")
        else:
            values.append(value)
    structured, msg_start = _structured_data(text, header.end())
    msg = text[msg_start:] if msg_start is not None else ""
    # RFC 5424 marks UTF-8 text with a BOM; it is framing, not content.
    msg = msg.removeprefix("\ufeff")
    hostname, app_name, procid, msgid = values
    return SyslogMessage(
        "rfc5424", pri // 8, pri % 8, time, hostname, app_name, procid, msgid, structured, msg
    )


def _rfc3339(text: str) -> datetime:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise _invalid(f"RFC 5424 TIMESTAMP '{text[:64]}' is not RFC 3339 (or '-')")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    # At most microseconds survive: Neo4j and Python both stop there.
    micro = int((match[7] or "0")[:6].ljust(6, "0"))
    zone = match[8]
    try:
        offset = timedelta(0)
        if zone not in ("Z", "z"):
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 23 or minutes > 59:
                raise ValueError
            offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
        # RFC 3339 allows a leap second (:60); it is kept as the last whole second.
        local = datetime(year, month, day, hour, minute, min(second, 59), micro)
        return local.replace(tzinfo=timezone(offset)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(f"RFC 5424 TIMESTAMP '{text[:64]}' is not a valid date and time") from None


def _structured_data(text: str, pos: int) -> tuple[tuple[SdElement, ...], int | None]:
    """The SD elements and where MSG starts (None when the line ends after them)."""
    if text.startswith("-", pos):
        pos += 1
        elements: tuple[SdElement, ...] = ()
    elif text.startswith("[", pos):
        found: list[SdElement] = []
        while text.startswith("[", pos):
            element, pos = _sd_element(text, pos)
            found.append(element)
        elements = tuple(found)
    else:
        raise _invalid("RFC 5424 STRUCTURED-DATA must be '-' or one or more [SD-ID ...] elements")
    if pos == len(text):
        return elements, None
    if text[pos] != " ":
        raise _invalid(f"RFC 5424 expects a space between STRUCTURED-DATA and MSG at {pos}")
    return elements, pos + 1


def _sd_element(text: str, pos: int) -> tuple[SdElement, int]:
    start = _SD_ID.match(text, pos)
    if start is None:
        raise _invalid(f"RFC 5424 SD-ID at {pos} must be 1-32 printable characters, no '= ]\"'")
    sd_id = start[1]
    pos = start.end()
    params: list[tuple[str, str]] = []
    while not text.startswith("]", pos):
        param = _SD_PARAM.match(text, pos)
        if param is None:
            raise _invalid(
                f'RFC 5424 element [{sd_id}] at {pos}: expected name="value" or "]" '
                '(inside a value, escape " \\ and ] with a backslash)'
            )
        value = param[2]
        if "\\" in value:
            # Only \" \\ \] are escapes; any other backslash is kept as is (RFC 5424 6.3.3).
            value = _SD_ESCAPE.sub(r"\1", value)
        params.append((param[1], value))
        pos = param.end()
    return SdElement(sd_id, tuple(params)), pos + 1


# --- RFC 3164 ---------------------------------------------------------------------------


def _parse_3164(text: str, pos: int, pri: int, received_at: datetime) -> SyslogMessage:
    time, pos = _3164_timestamp(text, pos, received_at)
    rest = text[pos:].lstrip(" ")
    hostname: str | None = None
    if rest and _TAG.match(rest) is None:
        # Not a tag, so the first word is HOSTNAME. A sender that omits HOSTNAME
        # (`Mar 14 10:00:00 sshd[7]: ...`) is recognised by the tag's colon.
        hostname, _, rest = rest.partition(" ")
        if len(hostname) > 255:
            raise _invalid("RFC 3164 HOSTNAME is longer than 255 characters")
        rest = rest.lstrip(" ")
    app_name = procid = None
    tag = _TAG.match(rest)
    if tag is not None:
        app_name, procid = tag[1], tag[2]
        rest = rest[tag.end() :].lstrip(" ")  # sudo pads its message with spaces
    elif rest.startswith(":"):
        rest = rest[1:].lstrip(" ")  # Cisco ASA prints "host : %ASA-..."
    return SyslogMessage(
        "rfc3164", pri // 8, pri % 8, time, hostname, app_name, procid, None, (), rest
    )


def _3164_timestamp(text: str, pos: int, received_at: datetime) -> tuple[datetime, int]:
    bsd = match_timestamp(text, pos)
    if bsd is not None:
        try:
            time = timestamp_from_match(bsd, received_at)
        except TimeParseError as exc:
            raise _invalid(f"RFC 3164 TIMESTAMP: {exc}") from None
        end = bsd.end()
        if text.startswith(":", end):  # Cisco ASA without a hostname: "... 10:00:00: %ASA"
            end += 1
    else:
        # rsyslog's high-precision file format puts an RFC 3339 time where 3164 has its own.
        stamp = _RFC3339.match(text, pos)
        if stamp is None:
            raise _invalid(
                "is neither RFC 5424 ('<PRI>1 TIMESTAMP ...') nor RFC 3164 "
                "('<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG')"
            )
        time, end = _rfc3339(stamp[0]), stamp.end()
    if end < len(text) and text[end] != " ":
        raise _invalid(f"RFC 3164 TIMESTAMP must be followed by a space, at {end}")
    return time, end


def _invalid(msg: str) -> InvalidEvent:
    return InvalidEvent(_LOC, msg)
