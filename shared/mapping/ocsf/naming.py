"""How a path in an event names the relationship from the Event to what it holds.

The rule, in order:

1. The familiar names below, matched on the last two attribute names of the path,
   then on the last one: `actor.user` -> HAS_PRINCIPAL wherever it sits (at the top,
   or inside a finding's `evidences[]`), `process.parent_process` -> HAS_PARENT_PROCESS.
2. Otherwise `HAS_` + the attribute name in upper case: `email.from` -> HAS_FROM,
   `cloud.account` -> HAS_ACCOUNT, `intermediate_ips` -> HAS_INTERMEDIATE_IPS.

Rule 2 only ever sees attribute names of the OCSF schema whose type is an entity,
so the set of relationship types is finite and derived from the schema
(`relationship_types`): no input string can become one.
"""

from __future__ import annotations

import functools
from typing import Final

from shared.mapping.ocsf.schema import SCHEMA, OcsfSchema

FAMILIAR: Final[dict[tuple[str, ...], str]] = {
    ("actor", "user"): "HAS_PRINCIPAL",
    ("actor", "process"): "HAS_ACTOR_PROCESS",
    ("parent_process",): "HAS_PARENT_PROCESS",
    ("device",): "ON_DEVICE",
    ("user",): "HAS_USER",
    ("src_endpoint",): "HAS_SOURCE",
    ("dst_endpoint",): "HAS_DESTINATION",
    ("process",): "HAS_PROCESS",
    ("file",): "HAS_FILE",
    ("url",): "HAS_URL",
    ("query",): "QUERIED",
    ("answers",): "RESOLVED_TO",
    ("resources",): "HAS_RESOURCE",
    ("resource",): "HAS_RESOURCE",
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


def relationship_types(schema: OcsfSchema = SCHEMA) -> frozenset[str]:
    """Every name `relationship_for` can give to an entity-holding attribute of any version."""
    names = {*FAMILIAR.values(), *SIMPLE.values(), HAS_DOMAIN}
    for version in schema.versions.values():
        for attribute in version.attribute_names():
            spec = version.attribute(None, attribute)
            if spec is not None and version.kind(spec[0]) is not None:
                names.add(relationship_for((attribute,)))
                names.add(relationship_for(("actor", attribute)))
    return frozenset(names)
