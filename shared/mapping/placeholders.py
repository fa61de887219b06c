"""Values senders write when they have nothing to say, which must never become entities.

Windows writes `-` for an absent address, Zeek `-` for an empty field, many SIEMs
`N/A` or `unknown`. As entity keys they would join unrelated events into one node,
and in a security graph a false link invents lateral movement.
"""

from __future__ import annotations

import functools
import re
from typing import Final

# Compared after stripping and lower-casing.
PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "undefined",
        "unknown",
        "unk",
        "empty",
        "not available",
        "not applicable",
        "null sid",
        "(null)",
        "(none)",
        "<none>",
        "<null>",
        "<unknown>",
        "[none]",
        "?",
        "0.0.0.0",  # noqa: S104 (compared, never bound)
        "::",
        "s-1-0-0",  # the NULL SID itself
        "00000000-0000-0000-0000-000000000000",
        "00:00:00:00:00:00",
    }
)

# Only punctuation (`-`, `--`, `---`, `*`, `.`, `_`): a filler, not a name.
_ONLY_PUNCTUATION: Final = re.compile(r"[\s\-_.*?/\\|#~]+")


def is_placeholder(value: str | None) -> bool:
    """True when `value` names nothing: absent, blank, a filler word, or punctuation only."""
    return value is None or is_placeholder_text(value)


# Pure, and the same host and user names recur in most events.
@functools.lru_cache(maxsize=65_536)
def is_placeholder_text(value: str) -> bool:
    """`is_placeholder` for a value known to be a string: one call less on hot paths."""
    text = value.strip().lower()
    if text in PLACEHOLDERS:
        return True
    return not text[:1].isalnum() and _ONLY_PUNCTUATION.fullmatch(text) is not None


def meaningful(value: str | None) -> str | None:
    """`value` stripped, or None when it is a placeholder."""
    if value is None or is_placeholder(value):
        return None
    return value.strip()
