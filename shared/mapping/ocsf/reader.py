"""Lenient reads of optional fields: a value of the wrong shape is dropped and reported.

Real senders are sloppy: Windows writes `-` for an absent address, some send a list
where OCSF says string. One bad optional field must not cost the whole event, and
must not pass silently either: each drop is recorded with its path and reason, and
the answer to the client lists them. Placeholders (`-`, `N/A`, ...) read as absent
without a report: they are how senders say "nothing".
"""

from __future__ import annotations

from typing import Any, Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.fields import MAX_TEXT, Loc, decimal_int
from shared.mapping.graph_model import DroppedField
from shared.mapping.placeholders import is_placeholder, is_placeholder_text

# More items than any real event names; a list past it is read in part and reported.
MAX_ITEMS: Final = 1_000


def dotted(loc: Loc) -> str:
    """`("event", "answers", 0, "rdata")` -> `answers[0].rdata`, the path a sender knows."""
    text = ""
    for part in loc[1:] if loc and loc[0] == "event" else loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _hex_int(text: str) -> int | None:
    """`0x1a2c`: how Windows writes process ids in its event log."""
    if len(text) > 2 and text[:2].lower() == "0x" and len(text) <= 18:
        try:
            return int(text, 16)
        except ValueError:
            return None
    return None


class Reader:
    __slots__ = ("dropped",)

    def __init__(self) -> None:
        self.dropped: list[DroppedField] = []

    def drop(self, loc: Loc, reason: str, name: str | None = None) -> None:
        """`name`, when given, is the field of `loc` that is dropped."""
        self.dropped.append(DroppedField(dotted(loc if name is None else (*loc, name)), reason))

    def text(self, obj: dict[str, Any], name: str, loc: Loc) -> str | None:
        """A text field, stripped; placeholders and blanks read as absent."""
        value = obj.get(name)
        if value is None:
            return None  # most fields read are absent: no second call for them
        return self.text_value(value, loc, name)

    def texts(self, obj: dict[str, Any], loc: Loc, **fields: str) -> dict[str, str]:
        """The text fields present, each under its new name: `texts(obj, loc, kind="type")`."""
        found: dict[str, str] = {}
        for new_name, name in fields.items():
            text = self.text(obj, name, loc)
            if text is not None:
                found[new_name] = text
        return found

    def text_value(self, value: object, loc: Loc, name: str | None = None) -> str | None:
        """`value` read as text. `name`, when given, is the field of `loc` that holds it:
        the field's path is then built only if a drop must report it."""
        if type(value) is str:
            # The common case: a plain string that fits.
            text = value.strip()
            if len(text) <= MAX_TEXT:
                return None if is_placeholder_text(text) else text
        elif value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.drop(loc, "must be a string", name)
            return None
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            self.drop(loc, f"must be at most {MAX_TEXT} characters", name)
            return None
        return None if is_placeholder(text) else text

    def integer(self, obj: dict[str, Any], name: str, loc: Loc, low: int, high: int) -> int | None:
        value = obj.get(name)
        if value is None:
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            if is_placeholder(value):
                return None
            number = decimal_int(value.strip())
            if number is None:
                number = _hex_int(value.strip())
        if number is None:
            self.drop((*loc, name), "must be an integer")
            return None
        if not low <= number <= high:
            self.drop((*loc, name), f"must be between {low} and {high}")
            return None
        return number

    def ip(self, obj: dict[str, Any], name: str, loc: Loc) -> str | None:
        return self.ip_value(obj.get(name), loc, name)

    def ip_value(self, value: object, loc: Loc, name: str | None = None) -> str | None:
        """The address in canonical form; anything else that is not a placeholder is
        dropped. `name` as for `text_value`."""
        text = self.text_value(value, loc, name)
        if text is None:
            return None
        address = canonical_ip(text)
        if address is None:
            self.drop(loc, "is not a valid IP address", name)
        return address

    def mapping(self, value: object, loc: Loc) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        if value is not None:
            self.drop(loc, "must be an object")
        return None

    def items(self, value: object, loc: Loc) -> list[tuple[Loc, object]]:
        """A list's items with their paths; a lone value where a list belongs is one item."""
        if value is None:
            return []
        if not isinstance(value, list):
            return [(loc, value)]
        if len(value) > MAX_ITEMS:
            self.drop(loc, f"only the first {MAX_ITEMS} items are mapped")
        return [((*loc, index), item) for index, item in enumerate(value[:MAX_ITEMS])]
