"""Typed reads of fields in a decoded JSON object, each failing with the field's path."""

from __future__ import annotations

import re
from typing import Final

from shared.core.errors import InvalidEvent
from shared.mapping.graph_model import Scalar

Loc = tuple[str | int, ...]

MAX_TEXT: Final = 65_536

# ASCII only: str.isdigit() also accepts characters int() refuses ("²") or reads
# surprisingly ("٣"). 19 digits hold every 64-bit integer, and stay far below the
# length past which int() refuses to parse at all.
_DECIMAL: Final = re.compile(r"-?[0-9]{1,19}")


def decimal_int(text: str) -> int | None:
    """The integer a string of ASCII digits (optionally negative) spells, else None."""
    return int(text) if _DECIMAL.fullmatch(text) else None


def int_value(value: object, loc: Loc, low: int, high: int) -> int:
    number: int
    if isinstance(value, bool):
        raise InvalidEvent(loc, "must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (parsed := decimal_int(value.strip())) is not None:
        number = parsed
    else:
        raise InvalidEvent(loc, "must be an integer or a string of digits")
    if not low <= number <= high:
        raise InvalidEvent(loc, f"must be between {low} and {high}")
    return number


def scalar_at(obj: object, path: tuple[str, ...]) -> Scalar | None:
    """The scalar at `path`, or None when any step is missing or of another shape.

    Lenient on purpose: it feeds optional event properties, and the raw event keeps
    whatever a producer put there, so a property of an odd shape is skipped, not refused.
    """
    current: object = obj
    for step in path:
        if not isinstance(current, dict):
            return None
        current = current.get(step)
    if isinstance(current, str):
        text = current.strip()
        return text[:MAX_TEXT] if text else None
    if isinstance(current, bool | float):
        return current
    if isinstance(current, int) and -(2**63) <= current < 2**63:
        return current  # Neo4j integers are 64-bit; a larger one could not be stored
    return None


def attrs(**values: Scalar | None) -> dict[str, Scalar]:
    return {name: value for name, value in values.items() if value is not None}
