"""RFC 5424 STRUCTURED-DATA: `-` or `[SD-ID name="value" ...]...`. Pure.

Inside values `\\"`, `\\\\` and `\\]` are escapes and any other backslash is literal
(RFC 5424 6.3.3). Spaces around `=` and before `]`, which some senders write, are
accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from shared.core.errors import InvalidEvent

_LOC: Final = ("event",)
# SD-NAME: printable US-ASCII except '=', ' ', ']' and '"', 1 to 32 of them.
_SD_ID: Final = re.compile(r"\[([!#-<>-\\^-~]{1,32})", re.ASCII)
_SD_PARAM: Final = re.compile(
    r' +([!#-<>-\\^-~]{1,32}) ?= ?"([^"\\]*+(?:\\.[^"\\]*+)*+)"', re.DOTALL
)
_SD_ESCAPE: Final = re.compile(r'\\(["\\\]])')


@dataclass(frozen=True, slots=True)
class SdElement:
    id: str
    params: tuple[tuple[str, str], ...]


def structured_data(text: str, pos: int) -> tuple[tuple[SdElement, ...], int | None]:
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
        if text.startswith(" ]", pos):  # a space before the closing bracket
            pos += 1
            continue
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


def _invalid(msg: str) -> InvalidEvent:
    return InvalidEvent(_LOC, msg)
