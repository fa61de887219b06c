"""The registry of entity kinds: one row per kind of thing an OCSF event can name.

Everything else that depends on the kinds is derived from these rows: which schema types
are entities (by the type they extend), what the walk builds from an object or a value
of each kind, which scalar attributes a kind's builder already consumed, how an entity
a builder derives from another kind's object is joined, what the coverage report says a
kind becomes, and the label allowlist of the graph (shared/mapping/vocabulary.py).
Adding a kind is adding a row here and, if it needs one, a builder in entities.py.
What an entity *is* (its key, and where its name is unique) is decided by the builder
through the keys.py function of the kind's name (keys.user, keys.host, ...), so one
place holds each identity rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from shared.mapping.fields import Loc
from shared.mapping.graph_model import Entity
from shared.mapping.ocsf import entities as build
from shared.mapping.ocsf.entities import Builder, Context
from shared.mapping.ocsf.naming import HAS_DOMAIN
from shared.mapping.ocsf.observables import observable_entities, osint_entities
from shared.mapping.ocsf.schema import SchemaVersion
from shared.mapping.ocsf.values import email_entities, ip_entity, url_entities

# A reader of a value that is no object: an address, an e-mail address, a URL string.
TextBuilder = Callable[[object, Loc, Context], Iterator[Entity]]
_NOTHING: Final[frozenset[str]] = frozenset()


@dataclass(frozen=True, slots=True)
class EntityKind:
    name: str
    # The schema types of this kind: an object type that extends one is of this kind too.
    schema_types: tuple[str, ...]
    # The graph labels its entities carry (what the coverage report says it becomes).
    labels: tuple[str, ...]
    # Builds entities from an object of the kind.
    builder: Builder | None = None
    # Builds entities from a value that is no object: the kind's own scalar type (ip_t),
    # or the string some producers send where OCSF has the object (a URL).
    from_text: TextBuilder | None = None
    # Scalar attributes the builder already turned into entities: the walk skips them.
    consumed: frozenset[str] = _NOTHING
    # Label -> relationship, for an entity the builder derives from the object (a URL's
    # domain): joined under its own name, not the object's.
    derived: Mapping[str, str] = field(default_factory=dict)
    # Whether the walk goes on into the object's members (an observable names one value).
    walk_inside: bool = True
    # Which of `labels` an item becomes is chosen by its `type_id`.
    by_type_id: bool = False


def _ip(value: object, loc: Loc, ctx: Context) -> Iterator[Entity]:
    address = ctx.read.ip_value(value, loc)
    entity = None if address is None else ip_entity(address, ctx.scope)
    if entity is not None:
        yield entity


def _email(value: object, loc: Loc, ctx: Context) -> Iterator[Entity]:
    text = ctx.read.text_value(value, loc)
    if text is None:
        return
    emails = email_entities(text)
    if not emails:
        ctx.read.drop(loc, "is not an e-mail address")
    yield from emails


def _url_text(value: object, loc: Loc, ctx: Context) -> Iterator[Entity]:
    text = ctx.read.text_value(value, loc)
    if text:
        yield from url_entities(text)


def _observable(obj: dict[str, Any], loc: Loc, ctx: Context) -> Iterator[Entity]:
    return observable_entities(obj, loc, ctx, ctx.observables)


_BY_TYPE_ID: Final = ("IP", "Host", "User", "Email", "Url", "Domain", "File", "Process")

KINDS: Final[tuple[EntityKind, ...]] = (
    EntityKind(
        "user",
        ("user",),
        ("User", "Account", "Email"),
        build.user,
        derived={"Account": "HAS_ACCOUNT", "Email": "HAS_EMAIL_ADDR"},
    ),
    EntityKind("account", ("account",), ("Account",), build.account),
    EntityKind("group", ("group",), ("Group",), build.group),
    EntityKind("role", ("iam_role",), ("Role",), build.role),
    # Devices, endpoints and network interfaces: their IP, and the host when named.
    EntityKind(
        "host",
        ("device", "endpoint", "network_interface"),
        ("IP", "Host"),
        build.host,
        consumed=frozenset({"ip"}),
    ),
    EntityKind("process", ("process_entity", "process"), ("Process",), build.process),
    EntityKind("file", ("file",), ("File",), build.file),
    EntityKind(
        "url",
        ("url",),
        ("Url", "Domain"),
        build.url,
        from_text=_url_text,
        derived={"Domain": HAS_DOMAIN},
    ),
    EntityKind(
        "resource",
        ("_resource", "resource_details"),
        ("Resource", "IP", "Host"),
        build.resource,
        consumed=frozenset({"ip"}),
    ),
    EntityKind(
        "managed_entity",
        ("managed_entity",),
        ("ManagedEntity",),
        build.managed_entity,
    ),
    EntityKind(
        "observable",
        ("observable",),
        (*_BY_TYPE_ID, "Resource"),
        _observable,
        walk_inside=False,
        by_type_id=True,
    ),
    EntityKind(
        "osint",
        ("osint",),
        ("IP", "Domain", "Host", "File", "Url", "Email"),
        osint_entities,
        by_type_id=True,
    ),
    EntityKind("cloud", ("cloud",), ("Account",), build.cloud, derived={"Account": "HAS_ACCOUNT"}),
    EntityKind("dns_query", ("dns_query",), ("Domain",), build.dns_query),
    EntityKind("dns_answer", ("dns_answer",), ("IP", "Domain"), build.dns_answer),
    EntityKind("ip", ("ip_t",), ("IP",), from_text=_ip),
    EntityKind("email", ("email_t",), ("Email",), from_text=_email),
)

# Schema type -> its kind, for the types named in the rows (others resolve by `extends`).
BY_SCHEMA_TYPE: Final[dict[str, EntityKind]] = {
    schema_type: kind for kind in KINDS for schema_type in kind.schema_types
}
# The schema's scalar types whose values are entities wherever they appear.
ENTITY_SCALAR_TYPES: Final[frozenset[str]] = frozenset(
    schema_type for kind in KINDS if kind.builder is None for schema_type in kind.schema_types
)


def kind_of(version: SchemaVersion, type_name: str) -> EntityKind | None:
    """The kind of a schema type, through `extends`; None for a container (`email`,
    `evidences`), which the walk only looks inside."""
    for name in version.lineage(type_name):
        kind = BY_SCHEMA_TYPE.get(name)
        if kind is not None:
            return kind
    return None
