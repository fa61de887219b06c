"""What a translated format (CEF, syslog) hands to the OCSF mapper."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.mapping.graph_model import Scalar


@dataclass(frozen=True, slots=True)
class OcsfDraft:
    """An OCSF-shaped event, plus properties OCSF has no field for (they go on the Event
    node under the fixed names the translator chose)."""

    event: dict[str, Any]
    extra_props: dict[str, Scalar] = field(default_factory=dict)


def compact(**values: Any) -> dict[str, Any]:
    """The named values that are present: None, "" and empty objects are left out."""
    # Truthiness drops None, "", {} and []; numbers stay even when zero.
    return {
        name: value for name, value in values.items() if value or isinstance(value, int | float)
    }


def port_number(text: str | None) -> int | None:
    if text is None or not text.isdecimal() or len(text) > 5:
        return None
    number = int(text)
    return number if number <= 65_535 else None
