"""CEF (ArcSight Common Event Format) lines to header fields and extensions. Pure.

    [syslog header] CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension

- Header fields escape `|` and `\\` with a backslash; any other backslash is literal.
- The extension is `key=value` pairs separated by spaces. Values may contain spaces:
  a value runs until the space before the next `key=`. Values escape `=` and `\\`,
  and write line breaks as `\\n` / `\\r`; `\\|` is also accepted. Any other backslash
  is kept as is, because real senders leave Windows paths unescaped.
- A key is a letter or `_` followed by letters, digits and `_ . , - [ ]`: the CEF
  spec's names, and the `ad.field[0]=` / `ad.Error_,Code=` keys ArcSight connectors and
  Windows agents add. Keys may be given by their full ArcSight names (`sourceAddress` for
  `src`); they are normalised to the short names. A repeated key keeps its last value.
- A value wrapped in a pair of matching quotes, which the spec never asks for but some
  senders add (`request="https://..."`), loses the quotes.
- A header missing its last `|` (no extension at all) is accepted.
- Text in front of `CEF:` is read as a syslog header when it is one; otherwise (a
  relay's own stamp, `Syslogdate Sysloghost`) it is ignored, because it says nothing
  about the event the CEF record describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from shared.core.errors import InvalidEvent
from shared.mapping.formats.syslog import SyslogMessage, parse_syslog_strict

_LOC: Final = ("event",)
_HEADER_NAMES: Final = (
    "Device Vendor",
    "Device Product",
    "Device Version",
    "Signature ID",
    "Name",
    "Severity",
)
# Some senders write white space around the version ("CEF: 0|...", "CEF:0 |...").
_START: Final = re.compile(r"CEF:[ \t]*(\d{1,3})[ \t]*\|", re.ASCII)
_PRI_ONLY: Final = re.compile(r"\s*<\d{1,3}>\s*", re.ASCII)
_FIELD: Final = re.compile(r"([^|\\]*+(?:\\.[^|\\]*+)*+)\|", re.DOTALL)
_LAST_FIELD: Final = re.compile(r"([^|\\]*+(?:\\.[^|\\]*+)*+)(?:\||\Z)", re.DOTALL)
_HEADER_ESCAPE: Final = re.compile(r"\\([|\\])")
_KEY: Final = re.compile(r"(?<!\S)([A-Za-z_][A-Za-z0-9_.,\-\[\]]*+)=", re.ASCII)
_VALUE_ESCAPE: Final = re.compile(r"\\([\\=|nr])")
_QUOTES: Final = ('"', "'")
_UNESCAPED: Final = {"\\": "\\", "=": "=", "|": "|", "n": "\n", "r": "\r"}

# Full ArcSight dictionary names some senders use instead of the CEF keys.
_FULL_NAMES: Final = {
    "sourceAddress": "src",
    "destinationAddress": "dst",
    "sourcePort": "spt",
    "destinationPort": "dpt",
    "sourceUserName": "suser",
    "destinationUserName": "duser",
    "sourceUserId": "suid",
    "destinationUserId": "duid",
    "sourceNtDomain": "sntdom",
    "destinationNtDomain": "dntdom",
    "sourceHostName": "shost",
    "destinationHostName": "dhost",
    "sourceMacAddress": "smac",
    "destinationMacAddress": "dmac",
    "deviceAction": "act",
    "eventOutcome": "outcome",
    "deviceReceiptTime": "rt",
    "startTime": "start",
    "endTime": "end",
    "message": "msg",
    "deviceEventCategory": "cat",
    "transportProtocol": "proto",
    "requestUrl": "request",
    "requestMethod": "requestMethod",
    "deviceAddress": "dvc",
    "deviceHostName": "dvchost",
    "fileName": "fname",
    "filePath": "filePath",
    "sourceProcessName": "sproc",
    "destinationProcessName": "dproc",
    "sourceProcessId": "spid",
    "destinationProcessId": "dpid",
    "deviceTimeZone": "dtz",
    "bytesIn": "in",
    "bytesOut": "out",
    **{f"deviceCustomIPv6Address{i}": f"c6a{i}" for i in range(1, 5)},
    **{f"deviceCustomIPv6Address{i}Label": f"c6a{i}Label" for i in range(1, 5)},
    **{f"deviceCustomString{i}": f"cs{i}" for i in range(1, 7)},
    **{f"deviceCustomString{i}Label": f"cs{i}Label" for i in range(1, 7)},
    **{f"deviceCustomNumber{i}": f"cn{i}" for i in range(1, 4)},
    **{f"deviceCustomNumber{i}Label": f"cn{i}Label" for i in range(1, 4)},
}


@dataclass(frozen=True, slots=True)
class CefRecord:
    version: int
    vendor: str
    product: str
    device_version: str
    signature_id: str
    name: str
    severity: str
    extensions: dict[str, str]
    syslog: SyslogMessage | None  # the syslog header in front of "CEF:", if any


def parse_cef(line: str, received_at: datetime) -> CefRecord:
    """`received_at` anchors the year of a year-less syslog header timestamp."""
    start = _START.search(line)
    if start is None:
        raise _invalid("has no CEF header: expected 'CEF:0|Vendor|Product|Version|ID|Name|Sev|'")
    version = int(start[1])
    if version not in (0, 1):
        raise _invalid(f"CEF version {version} is not supported (0 or 1)")
    syslog = _syslog_header(line[: start.start()], received_at)

    fields: list[str] = []
    pos = start.end()
    for name in _HEADER_NAMES[:-1]:
        match = _FIELD.match(line, pos)
        if match is None:
            raise _invalid(
                f"CEF header ends before '{name}': it needs 7 '|'-separated fields "
                "(Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|)"
            )
        fields.append(match[1])
        pos = match.end()
    last = _LAST_FIELD.match(line, pos)
    if last is None:
        raise _invalid("CEF Severity field ends in a lone backslash")
    fields.append(last[1])
    vendor, product, device_version, signature_id, name, severity = (
        (_HEADER_ESCAPE.sub(r"\1", field) if "\\" in field else field).strip() for field in fields
    )
    return CefRecord(
        version,
        vendor,
        product,
        device_version,
        signature_id,
        name,
        severity,
        parse_extension(line[last.end() :]),
        syslog,
    )


def parse_extension(text: str) -> dict[str, str]:
    keys = list(_KEY.finditer(text))
    if not keys:
        if text.strip():
            raise _invalid(f"CEF extension is not key=value pairs: '{text.strip()[:64]}'")
        return {}
    if text[: keys[0].start()].strip():
        raise _invalid(
            f"CEF extension starts with text that is not key=value: "
            f"'{text[: keys[0].start()].strip()[:64]}'"
        )
    pairs: dict[str, str] = {}
    ends = [k.start() for k in keys[1:]] + [len(text)]
    for key, end in zip(keys, ends, strict=True):
        value = text[key.end() : end].strip()
        if "\\" in value:
            value = _VALUE_ESCAPE.sub(lambda m: _UNESCAPED[m[1]], value)
        name = key[1]
        if value[:1] in _QUOTES:
            value = _unquoted(value)
        pairs[_FULL_NAMES.get(name, name)] = value
    return pairs


def _unquoted(value: str) -> str:
    """`"text"` -> `text`; a quote inside means the quotes are content, so they stay."""
    quote = value[:1]
    if quote in _QUOTES and len(value) > 1 and value.endswith(quote):
        inner = value[1:-1]
        if quote not in inner:
            return inner
    return value


def _syslog_header(prefix: str, received_at: datetime) -> SyslogMessage | None:
    if not prefix.strip() or _PRI_ONLY.fullmatch(prefix):
        return None
    try:
        return parse_syslog_strict(prefix.rstrip(), received_at)
    except InvalidEvent:
        return None


def _invalid(msg: str) -> InvalidEvent:
    return InvalidEvent(_LOC, msg)
