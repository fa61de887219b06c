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

from dataclasses import replace
from typing import Any, Final, NamedTuple

from shared.mapping.fields import Loc
from shared.mapping.graph_model import Entity
from shared.mapping.ocsf import entities as build
from shared.mapping.ocsf import values
from shared.mapping.ocsf.entities import Builder, Context
from shared.mapping.ocsf.naming import HAS_DOMAIN, relationship_for
from shared.mapping.ocsf.observables import observable_entities, osint_entities
from shared.mapping.ocsf.schema import SchemaVersion

_BUILDERS: Final[dict[str, Builder]] = {
    "user": build.user,
    "account": build.account,
    "group": build.group,
    "device": build.host,
    "endpoint": build.host,
    "interface": build.host,
    "process": build.process,
    "file": build.file,
    "url": build.url,
    "resource": build.resource,
    "managed_entity": build.managed_entity,
    "dns_query": build.dns_query,
    "dns_answer": build.dns_answer,
    "cloud": build.cloud,
}
# An entity a builder derives from an object of another kind (a URL's domain, an OCSF
# 1.0 user's `account_uid`) is joined under its own name, not the object's.
DERIVED: Final[dict[tuple[str, str], str]] = {
    ("url", "Domain"): HAS_DOMAIN,
    ("user", "Account"): "HAS_ACCOUNT",
    ("user", "Email"): "HAS_EMAIL_ADDR",
    ("cloud", "Account"): "HAS_ACCOUNT",
}
# Scalar attributes a builder already turned into entities of its own.
CONSUMED: Final[dict[str, frozenset[str]]] = {
    "device": frozenset({"ip"}),
    "endpoint": frozenset({"ip"}),
    "interface": frozenset({"ip"}),
    "resource": frozenset({"ip"}),
}
NOT_WALKED: Final = frozenset({"metadata", "unmapped", "raw_data", "object", "json_t"})
_NOTHING: Final[frozenset[str]] = frozenset()
# Deeper than any real event nests entities (a process tree is walked to this depth).
MAX_DEPTH: Final = 12


# What the walk does with one attribute: the schema type it holds, that type's entity
# kind (None for a container) and the kind's builder, if it has one.
Step = tuple[str, str | None, Builder | None]
# The attributes the walk follows in an object of each type, per schema version: one
# dict lookup per field instead of the schema's lookups, the NOT_WALKED and CONSUMED
# checks and the kind resolution. Keyed by schema type names only, so bounded.
_PLANS: dict[SchemaVersion, dict[str | None, dict[str, Step]]] = {}


def _plans(version: SchemaVersion) -> dict[str | None, dict[str, Step]]:
    found = _PLANS.get(version)
    if found is None:
        found = _PLANS[version] = {}
    return found


def _plan(version: SchemaVersion, owner: str | None) -> dict[str, Step]:
    plans = _plans(version)
    found = plans.get(owner)
    if found is None:
        found = plans[owner] = _build_plan(version, owner)
    return found


def _build_plan(version: SchemaVersion, owner: str | None) -> dict[str, Step]:
    consumed = CONSUMED.get(version.kind(owner) or "", _NOTHING) if owner else _NOTHING
    if owner is not None and not consumed and not version.has_overrides(owner):
        return _plan(version, None)  # most types: the same table as the event's top level
    plan: dict[str, Step] = {}
    for name, spec in version.attributes_of(owner).items():
        if name not in NOT_WALKED and name not in consumed and spec[0] not in NOT_WALKED:
            kind = version.kind(spec[0])
            plan[name] = (spec[0], kind, _BUILDERS.get(kind) if kind is not None else None)
    return plan


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

    __slots__ = ("_ctx", "_found", "_plans", "_version")

    def __init__(self, version: SchemaVersion, ctx: Context) -> None:
        self._version = version
        self._plans = _plans(version)
        self._ctx = ctx
        self._found: list[Mention] = []

    def event(self, event: dict[str, Any]) -> list[Mention]:
        self._found = []
        self._members(event, None, (), ("event",), self._ctx)
        return self._found

    def _members(
        self,
        obj: dict[str, Any],
        owner: str | None,
        path: tuple[str, ...],
        loc: Loc,
        ctx: Context,
    ) -> None:
        device = obj.get("device")
        if path and isinstance(device, dict):
            # What happened inside a finding's evidence happened on the evidence's device.
            own = build.host_key(device, (*loc, "device"), ctx.read)
            if own is not None:
                ctx = replace(ctx, device_key=own)
        plan = self._plans.get(owner)
        if plan is None:  # an empty plan is a plan: not rebuilt
            plan = _plan(self._version, owner)
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
        type_name, kind, builder = step
        if kind == "ip" or kind == "email":
            rel = relationship_for(path)
            for entity in self._scalar(kind, value, loc, ctx):
                self._found.append(Mention(path, rel, entity))
            return
        if kind == "url" and isinstance(value, str):
            # Some producers send the URL itself where OCSF has a url object.
            text = ctx.read.text_value(value, loc)
            for entity in values.url_entities(text) if text else ():
                self._found.append(
                    Mention(
                        path,
                        DERIVED.get(("url", entity.label or ""), relationship_for(path)),
                        entity,
                    )
                )
            return
        obj = ctx.read.mapping(value, loc)
        if obj is None:
            return
        if kind == "observable":
            rel = relationship_for(path)
            for entity in observable_entities(obj, loc, ctx, self._version.observables):
                self._found.append(Mention(path, rel, entity))
            return
        if kind == "osint":
            # The indicator, then what the item names around it (its file, e-mail, ...).
            rel = relationship_for(path)
            for entity in osint_entities(obj, loc, ctx):
                self._found.append(Mention(path, rel, entity))
        if builder is not None:
            rel = relationship_for(path)
            for entity in builder(obj, loc, ctx):
                named = DERIVED.get((kind or "", entity.label or ""), rel)
                self._found.append(Mention(path, named, entity))
        self._members(obj, type_name, path, loc, ctx)

    def _scalar(self, kind: str, value: object, loc: Loc, ctx: Context) -> list[Entity]:
        if kind == "ip":
            address = ctx.read.ip_value(value, loc)
            entity = None if address is None else values.ip_entity(address, ctx.scope)
            return [] if entity is None else [entity]
        text = ctx.read.text_value(value, loc)
        if text is None:
            return []
        emails = values.email_entities(text)
        if not emails:
            ctx.read.drop(loc, "is not an e-mail address")
        return emails
