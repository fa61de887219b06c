"""The graph's vocabulary: the only labels and relationship types the write will set.

The write sets them with `$(...)`, which takes any string, so the allowlists are the
guard: both are derived from the registry of entity kinds and the OCSF schema, so no
input string can add a label or a relationship type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from shared.mapping.graph_model import Link
from shared.mapping.ocsf.kinds import KINDS, kind_of
from shared.mapping.ocsf.naming import FAMILIAR, HAS_DOMAIN, SIMPLE, relationship_for
from shared.mapping.ocsf.schema import SCHEMA, OcsfSchema

# Labels the simplified shape's `type` may name (`{"type": "Device", ...}`) that no OCSF
# kind builds.
SIMPLE_SHAPE_LABELS: Final = ("Device", "Application")

# Type labels an entity may carry; the mapping builds no entity of any other type
# (an open set of labels would let any client reshape the schema).
ENTITY_LABELS: Final[frozenset[str]] = frozenset(
    {*(label for kind in KINDS for label in kind.labels), *SIMPLE_SHAPE_LABELS}
)


def relationship_types(schema: OcsfSchema = SCHEMA) -> frozenset[str]:
    """Every name the walk can give to an entity-holding attribute of any version."""
    names = {*FAMILIAR.values(), *SIMPLE.values(), HAS_DOMAIN}
    names.update(rel for kind in KINDS for rel in kind.derived.values())
    for version in schema.versions.values():
        for attribute, type_name in version.attribute_types().items():
            if kind_of(version, type_name) is not None:
                names.add(relationship_for((attribute,)))
                names.add(relationship_for(("actor", attribute)))
    return frozenset(names)


# Event-to-entity relationship types: the names the OCSF schema's entity attributes
# give by the rule of shared/mapping/ocsf/naming.py, and nothing else.
RELATIONSHIP_TYPES: Final[frozenset[str]] = relationship_types()


def check_links(links: Iterable[Link]) -> None:
    """Raise ValueError for a label or relationship type outside the allowlists.

    Every path to the write checks them: the mapping only produces allowlisted names,
    but a record from Kafka may carry anything.
    """
    for link in links:
        if link.rel not in RELATIONSHIP_TYPES:
            raise ValueError(f"relationship type {link.rel!r} is not allowed (RELATIONSHIP_TYPES)")
        label = link.entity.label
        if label is not None and label not in ENTITY_LABELS:
            raise ValueError(f"entity label {label!r} is not allowed (ENTITY_LABELS)")
