"""Syslog lines, RFC 5424 or RFC 3164 (BSD), to their parts. Pure.

Which grammar applies is decided by what follows PRI: a version number and a space
(`<34>1 `) is RFC 5424, anything else is read as RFC 3164. An RFC 3164 line may lack
PRI (lines copied from files under /var/log); it then gets PRI 13 (user.notice), as
RFC 3164 section 4.3.3 tells a relay to assign. See bsd_time for the missing year.

Both grammars accept the bends real senders make: a space after PRI (`<38> Mar ...`),
an RFC 3339 time without a zone (UTC) or with a `+0400` offset, spaces around `=` in
structured data. A line that still fits neither grammar (an RFC 5424 shape with a
VERSION other than 1, a 3164 line with a broken time, plain text) is kept as a
free-form message, as rsyslog does: PRI when it has one, the program when a `tag:`
shows it, the whole text as MSG and no time of its own. Only input that is no line
of text is refused: empty, binary (NUL or mostly control characters, lone
surrogates) or longer than `MAX_LINE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Literal

from shared.core.errors import InvalidEvent
from shared.mapping.bsd_time import match_timestamp, timestamp_from_match
from shared.mapping.fields import MAX_TEXT
from shared.mapping.formats.syslog_sd import SdElement, structured_data
from shared.mapping.timeparse import TimeParseError

SyslogForm = Literal["rfc5424", "rfc3164", "free-form"]
MAX_LINE: Final = MAX_TEXT

_LOC: Final = ("event",)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_DEFAULT_PRI: Final = 13
# C0 controls other than tab, line feed, carriage return and escape (colour codes), and DEL.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
# A program tag anywhere in a free-form line: `sshd[42]: `, `kernel: `.
_LOOSE_TAG: Final = re.compile(r"(?<!\S)([A-Za-z][\w.\-/]{0,47})(?:\[(\d{1,10})\])?:(?:\s|$)")

_PRI: Final = re.compile(r"<(\d{1,3})>", re.ASCII)
_VERSION: Final = re.compile(r"(\d{1,3}) ", re.ASCII)
_HEADER_5424: Final = re.compile(r"(\S+) (\S+) (\S+) (\S+) (\S+) ")
_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
_PRINTUSASCII: Final = re.compile(r"[!-~]+", re.ASCII)
# A 3164 TAG: the program name, an optional [pid], then a colon.
_TAG: Final = re.compile(r"([^\s:\[\]]{1,48})(?:\[([^\[\]\s]{1,128})\])?:(?: |$)")
# A router that writes no tag glues its name to the message: `gw01:IN=eth1`.
_GLUED_HOST: Final = re.compile(r"([A-Za-z][\w.\-]{0,254}):([A-Za-z_]+=\S*)", re.ASCII)
_FIELD_LIMITS: Final = (("HOSTNAME", 255), ("APP-NAME", 48), ("PROCID", 128), ("MSGID", 32))


@dataclass(frozen=True, slots=True)
class SyslogMessage:
    protocol: SyslogForm
    facility: int
    severity: int
    time: datetime | None  # None: the line says "-" (RFC 5424 nil)
    hostname: str | None
    app_name: str | None
    procid: str | None
    msgid: str | None
    structured_data: tuple[SdElement, ...]
    msg: str
    unparsed_because: str | None = None  # free-form: why neither grammar fit
    wall_clock: bool = False  # a 3164 TIMESTAMP without a zone, read as UTC


def parse_syslog(line: str, received_at: datetime) -> SyslogMessage:
    """One syslog line, leniently: a line of text that fits neither grammar is free-form.

    `received_at` anchors the year of RFC 3164 timestamps."""
    text = _text_line(line)
    try:
        return _parse(text, received_at)
    except InvalidEvent as exc:
        return _free_form(text, exc.msg)


def parse_syslog_strict(line: str, received_at: datetime) -> SyslogMessage:
    """One line that must fit RFC 5424 or RFC 3164 (the syslog header in front of CEF)."""
    text = line.strip("\r\n").lstrip()
    if not text:
        raise _invalid("is empty")
    return _parse(text, received_at)


def _text_line(line: str) -> str:
    text = line.strip("\r\n").lstrip()
    if not text.strip():
        raise _invalid("is empty")
    if len(text) > MAX_LINE:
        raise _invalid(f"is {len(text)} characters long; a syslog line may have {MAX_LINE}")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            raise _invalid("is not text: it holds a lone UTF-16 surrogate") from None
    if _CONTROL.search(text) is not None:
        if "\x00" in text:
            raise _invalid("is not text: it holds a NUL character (binary data?)")
        if len(_CONTROL.findall(text)) * 10 > len(text):
            raise _invalid("is not text: more than one character in ten is a control code")
    return text


def _free_form(text: str, why: str) -> SyslogMessage:
    pri_match = _PRI.match(text)
    pri = _DEFAULT_PRI
    if pri_match is not None and int(pri_match[1]) <= 191:
        pri, text = int(pri_match[1]), text[pri_match.end() :].lstrip()
    tag = _LOOSE_TAG.search(text)
    app_name = procid = None
    if tag is not None:
        app_name, procid = tag[1], tag[2]
    msg = text[tag.end() :].lstrip(" ") if tag is not None else text
    return SyslogMessage(
        "free-form", pri // 8, pri % 8, None, None, app_name, procid, None, (), msg, why
    )


def _parse(text: str, received_at: datetime) -> SyslogMessage:
    message = _parse_header(text, received_at)
    # Event times start at 1970; an earlier stamp is a sender's unset clock, not a time.
    if message.time is not None and message.time < _EPOCH:
        raise _invalid(f"TIMESTAMP {message.time.date()} is before 1970")
    return message


def _parse_header(text: str, received_at: datetime) -> SyslogMessage:
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
    # `<38> Mar 14 ...`: some senders put a space after PRI.
    pos = pri_match.end()
    while text.startswith(" ", pos):
        pos += 1
    return _parse_3164(text, pos, pri, received_at)


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
    structured, msg_start = structured_data(text, header.end())
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
        # No zone at all is read as UTC, as for RFC 3164 times.
        if zone is not None and zone not in ("Z", "z"):
            hours, minutes = int(zone[1:3]), int(zone[-2:])
            if hours > 23 or minutes > 59:
                raise ValueError
            offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
        # RFC 3339 allows a leap second (:60); it is kept as the last whole second.
        local = datetime(year, month, day, hour, minute, min(second, 59), micro)
        return local.replace(tzinfo=timezone(offset)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(f"RFC 5424 TIMESTAMP '{text[:64]}' is not a valid date and time") from None


# --- RFC 3164 ---------------------------------------------------------------------------


def _parse_3164(text: str, pos: int, pri: int, received_at: datetime) -> SyslogMessage:
    time, pos, wall_clock = _3164_timestamp(text, pos, received_at)
    rest = text[pos:].lstrip(" ")
    hostname: str | None = None
    if rest and _TAG.match(rest) is None:
        # Not a tag, so the first word is HOSTNAME. A sender that omits HOSTNAME
        # (`Mar 14 10:00:00 sshd[7]: ...`) is recognised by the tag's colon.
        hostname, _, rest = rest.partition(" ")
        if len(hostname) > 255:
            raise _invalid("RFC 3164 HOSTNAME is longer than 255 characters")
        rest = rest.lstrip(" ")
        glued = _GLUED_HOST.fullmatch(hostname)
        if glued is not None:  # `gw01:IN=eth1 OUT= ...`: the message starts after the colon
            hostname, rest = glued[1], f"{glued[2]} {rest}".rstrip(" ")
    app_name = procid = None
    tag = _TAG.match(rest)
    if tag is not None:
        app_name, procid = tag[1], tag[2]
        rest = rest[tag.end() :].lstrip(" ")  # sudo pads its message with spaces
    elif rest.startswith(":"):
        rest = rest[1:].lstrip(" ")  # Cisco ASA prints "host : %ASA-..."
    return SyslogMessage(
        "rfc3164",
        pri // 8,
        pri % 8,
        time,
        hostname,
        app_name,
        procid,
        None,
        (),
        rest,
        None,
        wall_clock,
    )


def _3164_timestamp(text: str, pos: int, received_at: datetime) -> tuple[datetime, int, bool]:
    bsd = match_timestamp(text, pos)
    if bsd is not None:
        try:
            time = timestamp_from_match(bsd, received_at)
        except TimeParseError as exc:
            raise _invalid(f"RFC 3164 TIMESTAMP: {exc}") from None
        end, wall_clock = bsd.end(), True
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
        wall_clock = stamp[8] is None
    if end < len(text) and text[end] != " ":
        raise _invalid(f"RFC 3164 TIMESTAMP must be followed by a space, at {end}")
    return time, end, wall_clock


def _invalid(msg: str) -> InvalidEvent:
    return InvalidEvent(_LOC, msg)
