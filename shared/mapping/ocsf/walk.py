"""Walk an OCSF event by its schema and find every entity it names, wherever it sits.

Each attribute's type comes from the schema: an object of an entity kind is built
into entities (shared/mapping/ocsf/entities.py) and then walked on, because entities
hold entities (a user's account, a process's parent and file); a container object
(`email`, `cloud`, `evidences`, `finding_info`) is only walked; an `ip_t` or
`email_t` value anywhere is an IP or an e-mail address. Free-form JSON (`unmapped`,
`data`) has no schema and is not walked, nor is `metadata` (it describes the log
pipeline, not the activity).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, NamedTuple

from shared.mapping.fields import Loc
from shared.mapping.graph_model import Entity
from shared.mapping.ocsf import entities as build
from shared.mapping.ocsf.entities import Context
from shared.mapping.ocsf.kinds import EntityKind, kind_of
from shared.mapping.ocsf.naming import path_free_relationship, relationship_for
from shared.mapping.ocsf.schema import SCHEMA, SchemaVersion

NOT_WALKED: Final = frozenset({"metadata", "unmapped", "raw_data", "object", "json_t"})
# Deeper than any real event nests entities (a process tree is walked to this depth).
MAX_DEPTH: Final = 12


class Step(NamedTuple):
    """What the walk does with one attribute."""

    type_name: str  # the schema type it holds
    kind: EntityKind | None  # None: a container, only looked inside
    # The relationship to what it names, when the attribute's name alone decides it
    # (not `actor.user`): most attributes.
    rel: str | None


Plan = dict[str, Step]


class VersionPlans(NamedTuple):
    """One schema version compiled: the attributes the walk follows, in any object and
    for objects whose kind's builder consumes some attributes itself (a device's `ip`)."""

    default: Plan
    by_owner: dict[str, Plan]

    def plan(self, owner: str | None) -> Plan:
        return self.default if owner is None else self.by_owner.get(owner, self.default)


def compile_version(version: SchemaVersion) -> VersionPlans:
    default: Plan = {}
    for name, type_name in version.attribute_types().items():
        if name not in NOT_WALKED and type_name not in NOT_WALKED:
            default[name] = Step(
                type_name, kind_of(version, type_name), path_free_relationship(name)
            )
    by_owner: dict[str, Plan] = {}
    for owner in version.object_types():
        kind = kind_of(version, owner)
        if kind is not None and kind.consumed:
            by_owner[owner] = {n: s for n, s in default.items() if n not in kind.consumed}
    return VersionPlans(default, by_owner)


# Every known version, compiled once when the mapping is imported.
PLANS: Final[dict[SchemaVersion, VersionPlans]] = {
    version: compile_version(version) for version in SCHEMA.versions.values()
}


class Mention(NamedTuple):
    """One entity the event names, where (`path`, attribute names only) and as what.

    A NamedTuple: several per event, and one is built in half the time of a frozen
    dataclass; it never leaves the mapping."""

    path: tuple[str, ...]
    rel: str
    entity: Entity


class SchemaWalk:
    """Appends to a list rather than yielding: a generator per nesting level cost more
    than the mapping itself. One walk per event: the list is its own rather than a
    parameter of every level, and a path's length is its depth."""

    __slots__ = ("_ctx", "_found", "_plans")

    def __init__(self, version: SchemaVersion, ctx: Context) -> None:
        self._plans = PLANS[version]
        self._ctx = ctx
        self._found: list[Mention] = []

    def event(self, event: dict[str, Any]) -> list[Mention]:
        self._found = []
        self._members(event, self._plans.default, (), ("event",), self._ctx)
        return self._found

    def _members(
        self,
        obj: dict[str, Any],
        plan: Plan,
        path: tuple[str, ...],
        loc: Loc,
        ctx: Context,
    ) -> None:
        device = obj.get("device")
        if path and isinstance(device, dict):
            # What happened inside a finding's evidence happened on the evidence's device.
            own = build.host_key(device, (*loc, "device"), ctx.read)
            if own is not None:
                ctx = ctx._replace(device_key=own)
        for name, value in obj.items():
            if value is None:
                continue
            step = plan.get(name)
            if step is None:
                continue
            child_path = (*path, name)
            if isinstance(value, list):
                for item_loc, item in ctx.read.items(value, (*loc, name)):
                    self._value(item, step, child_path, item_loc, ctx)
            else:
                self._value(value, step, child_path, (*loc, name), ctx)

    def _value(
        self,
        value: object,
        step: Step,
        path: tuple[str, ...],
        loc: Loc,
        ctx: Context,
    ) -> None:
        if len(path) > MAX_DEPTH:
            return
        kind = step.kind
        if (
            kind is not None
            and kind.from_text is not None
            and (kind.builder is None or isinstance(value, str))
        ):
            self._add(kind, kind.from_text(value, loc, ctx), path, step)
            return
        obj = ctx.read.mapping(value, loc)
        if obj is None:
            return
        if kind is None:
            self._members(obj, self._plans.default, path, loc, ctx)
            return
        if kind.builder is not None:
            self._add(kind, kind.builder(obj, loc, ctx), path, step)
        if kind.walk_inside:
            self._members(obj, self._plans.plan(step.type_name), path, loc, ctx)

    def _add(
        self, kind: EntityKind, entities: Iterable[Entity], path: tuple[str, ...], step: Step
    ) -> None:
        rel = step.rel or relationship_for(path)
        derived = kind.derived
        for entity in entities:
            named = derived.get(entity.label or "", rel) if derived else rel
            self._found.append(Mention(path, named, entity))
