"""How a path in an event names the relationship from the Event to what it holds.

The rule, in order:

1. The familiar names below (only where rule 2 would say something else), matched on
   the last two attribute names of the path, then on the last one: `actor.user` ->
   HAS_PRINCIPAL wherever it sits (at the top, or inside a finding's `evidences[]`),
   `process.parent_process` -> HAS_PARENT_PROCESS.
2. Otherwise `HAS_` + the attribute name in upper case: `email.from` -> HAS_FROM,
   `cloud.account` -> HAS_ACCOUNT, `intermediate_ips` -> HAS_INTERMEDIATE_IPS.

Rule 2 only ever sees attribute names of the OCSF schema whose type is an entity,
so the set of relationship types is finite and derived from the schema
(shared/mapping/vocabulary.py): no input string can become one.
"""

from __future__ import annotations

import functools
from typing import Final

FAMILIAR: Final[dict[tuple[str, ...], str]] = {
    ("actor", "user"): "HAS_PRINCIPAL",
    ("actor", "process"): "HAS_ACTOR_PROCESS",
    ("parent_process",): "HAS_PARENT_PROCESS",
    ("device",): "ON_DEVICE",
    ("src_endpoint",): "HAS_SOURCE",
    ("dst_endpoint",): "HAS_DESTINATION",
    ("query",): "QUERIED",
    ("answers",): "RESOLVED_TO",
    ("resources",): "HAS_RESOURCE",
    ("observables",): "HAS_OBSERVABLE",
}

# The domain a URL points at, whatever the URL's own relationship is called.
HAS_DOMAIN: Final = "HAS_DOMAIN"
# The simplified shape of the original docs (`src`, `dst`, `principal`).
SIMPLE: Final[dict[str, str]] = {
    "src": "HAS_SOURCE",
    "dst": "HAS_DESTINATION",
    "principal": "HAS_PRINCIPAL",
}
# Entity to entity, from the class's `associations`.
ASSOCIATED_WITH: Final = "ASSOCIATED_WITH"


# Pure, and an event names its entities at a handful of recurring paths (the walk's
# paths hold schema attribute names only). Bounded all the same.
@functools.lru_cache(maxsize=4096)
def relationship_for(path: tuple[str, ...]) -> str:
    if len(path) >= 2 and (named := FAMILIAR.get(path[-2:])) is not None:
        return named
    named = FAMILIAR.get(path[-1:])
    if named is not None:
        return named
    return "HAS_" + path[-1].upper()


# Attribute names whose relationship depends on the attribute before them (`actor.user`).
_PAIRED: Final = frozenset(pair[-1] for pair in FAMILIAR if len(pair) == 2)


def path_free_relationship(name: str) -> str | None:
    """The relationship of attribute `name` wherever it sits, or None when the attribute
    before it decides (`user` under `actor`): what the walk can fix once per attribute."""
    return None if name in _PAIRED else relationship_for((name,))
