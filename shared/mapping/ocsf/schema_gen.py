"""Generate the schema tables (`schema_tables/<version>.json`) from the official OCSF schemas.

    python -m shared.mapping.ocsf.schema_gen          # rewrite the tables
    python -m shared.mapping.ocsf.schema_gen --check  # exit 1 when a table is stale
    python -m shared.mapping.ocsf.schema_gen --schemas DIR  # where the 1.8+ files are

Sources: the schemas `pydantic-ocsf` bundles (1.0 to 1.7), and the newer files in
pydantic-ocsf's own format in the `--schemas` folder (by default `../shared/ocsf-schema`
beside the checkout, when it exists). That folder is not part of the repository: a
clean clone checks the versions it can rebuild and says which it skipped, and the
services never read it, only the committed tables.

The services read the committed tables, not the schemas: 6 MB of schemas would cost
start-up time and a runtime dependency for the few hundred facts the mapping needs
(which attribute holds which object type, which types extend which, each class's
name and associations, the observable type ids). One file per version, one entry per
line: a diff shows exactly what a schema upgrade changes in the graph.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from shared.mapping.ocsf.kinds import ENTITY_SCALAR_TYPES

TABLES: Final = Path(__file__).with_name("schema_tables")
ROOT: Final = Path(__file__).resolve().parents[3]
# The folder of newer schema files, beside the checkout (not in it: 1 MB each).
DEFAULT_SCHEMAS: Final = ROOT.parent / "shared" / "ocsf-schema"

# Object types the walk never enters, though an attribute holds them: OCSF 1.8's
# `packet_list` carries a flow's raw packets (encoding, offsets, bytes), thousands of
# them, and names no entity. Walked, each would cost a lookup per field and, past the
# reader's item limit, a misleading "only the first N items" in `dropped`. `_check_opaque`
# fails the generation if a schema ever gives one of them an entity-holding attribute.
_OPAQUE_TYPES: Final = frozenset({"packet"})

# Where each extra schema file comes from, by its sha256 (the folder's README): the
# table records it, so a reviewer sees which snapshot a version was generated from.
_PROVENANCE: Final[dict[str, str]] = {
    "5a8815576a795d3cb8b4ccce808a2c0bc45d22b2ed2e2c2e60b3e1d0c9598779": (
        "ocsf/ocsf-schema tag 1.8.0 (commit 6fa6499a0f8c9f449d342816e90e5f687c224b0a)"
    ),
    "0ca25457020ff39a31d1f15cbc6ec6ec35364c15f15eb573e0682ea9b02e9fc5": (
        "ocsf/ocsf-schema main at commit a5cfc68e3ca6d5b4468c33f8d7ebb76da967975f "
        "(2026-07-23): a pre-release snapshot of 1.9.0, not the release"
    ),
}


def _version_table(schema: dict[str, Any]) -> dict[str, Any]:
    objects: dict[str, Any] = schema["objects"]
    dictionary: dict[str, Any] = schema["dictionary"]["attributes"]
    object_names = set(objects)

    _check_opaque(schema)

    def keep(type_name: str | None) -> bool:
        if type_name in _OPAQUE_TYPES:
            return False
        return type_name in object_names or type_name in ENTITY_SCALAR_TYPES

    # Attribute name -> type, for the attributes the walk may follow (whether one holds a
    # list is read from the event itself).
    attributes = {
        name: spec["type"] for name, spec in sorted(dictionary.items()) if keep(spec.get("type"))
    }
    _check_no_overrides(objects, attributes, keep)
    # Per object, and per class below: the attributes (own and inherited) the walk may
    # follow. Only the coverage table in docs/formats.md reads them: the walk itself goes
    # by the dictionary, so an attribute a vendor puts in an unlisted place still maps.
    members = {
        name: sorted(a for a in _inherited(name, objects) if a in attributes)
        for name in sorted(objects)
    }
    categories = {
        name: meta["uid"] for name, meta in schema["categories_meta"]["attributes"].items()
    }
    classes: dict[str, Any] = {}
    for name, event in schema["events"].items():
        if event.get("uid") is None:
            continue  # an abstract parent (iam, network, ...), never a class_uid
        category = _category_of(name, schema["events"])
        class_uid = categories[category] * 1000 + event["uid"] if category else event["uid"]
        pairs = sorted(
            {
                tuple(sorted((a, b)))
                for a, others in (event.get("associations") or {}).items()
                for b in others
            }
        )
        classes[str(class_uid)] = {
            "name": name,
            "attributes": sorted(a for a in _inherited(name, schema["events"]) if a in attributes),
            "caption": event.get("caption", name),
            "associations": [list(p) for p in pairs],
        }
        deprecated = event.get("@deprecated")
        if isinstance(deprecated, dict):
            # 1.9 deprecates Account Change and User Access towards User Management.
            note = str(deprecated.get("message", "")).replace("<code>", "").replace("</code>", "")
            classes[str(class_uid)]["deprecated"] = f"since {deprecated.get('since')}: {note}"
    return {
        "attributes": attributes,
        "observables": _observable_types(schema),
        "members": members,
        "extends": {name: obj.get("extends") for name, obj in sorted(objects.items())},
        "classes": dict(sorted(classes.items(), key=lambda item: int(item[0]))),
    }


def _check_no_overrides(
    objects: dict[str, Any], attributes: dict[str, str], keep: Callable[[str | None], bool]
) -> None:
    """The walk reads an attribute's type from the dictionary alone. No schema so far
    gives an object's attribute another entity-bearing type than the dictionary does; one
    that did would be walked as the wrong type, so generation stops and says where."""
    for name, obj in sorted(objects.items()):
        for attr, spec in sorted(obj.get("attributes", {}).items()):
            own = spec.get("type") if isinstance(spec, dict) else None
            if own is not None and own != attributes.get(attr) and keep(own):
                raise SystemExit(
                    f"object {name!r} gives {attr!r} the type {own!r}, the dictionary "
                    f"{attributes.get(attr)!r}: the walk would read it as the latter"
                )


def _inherited(name: str, table: dict[str, Any]) -> set[str]:
    """The attribute names of `name` and of every type it extends."""
    found: set[str] = set()
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen and current in table:
        seen.add(current)
        found.update(a for a in table[current].get("attributes", {}) if not a.startswith("$"))
        current = table[current].get("extends")
    return found


def _observable_types(schema: dict[str, Any]) -> dict[str, str]:
    """Observable `type_id` -> the scalar type, object or attribute it stands for."""
    found: dict[int, str] = {}
    sources = (
        ("type", schema["dictionary"]["types"]["attributes"]),
        ("object", schema["objects"]),
        ("attribute", schema["dictionary"]["attributes"]),
    )
    for kind, table in sources:
        for name, spec in table.items():
            number = spec.get("observable") if isinstance(spec, dict) else None
            if isinstance(number, int):
                found.setdefault(number, f"{kind}:{name}")
    return {str(number): found[number] for number in sorted(found)}


def _category_of(name: str, events: dict[str, Any]) -> str | None:
    seen = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        event = events.get(current)
        if event is None:
            return None
        if event.get("category"):
            return str(event["category"])
        current = event.get("extends")
    return None


def _check_opaque(schema: dict[str, Any]) -> None:
    """An opaque type must hold no object or entity scalar: else skipping it would lose
    entities, and the list above is wrong for this schema."""
    dictionary: dict[str, Any] = schema["dictionary"]["attributes"]
    for name in _OPAQUE_TYPES:
        obj = schema["objects"].get(name)
        for attr in _inherited(name, schema["objects"]) if obj else ():
            held = dictionary.get(attr, {}).get("type")
            if held in schema["objects"] or held in ENTITY_SCALAR_TYPES:
                raise SystemExit(
                    f"OCSF {schema['version']}: `{name}.{attr}` holds `{held}`: "
                    f"the walk must enter `{name}` (schema_gen._OPAQUE_TYPES)"
                )


@dataclass(frozen=True, slots=True)
class Source:
    version: str
    origin: str
    schema: dict[str, Any]


def bundled_sources() -> list[Source]:
    """The schemas pydantic-ocsf ships (1.0 to 1.7); none when it is not installed."""
    try:
        folder = resources.files("ocsf").joinpath("schemas")
    except ModuleNotFoundError:
        return []
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            schema = json.loads(entry.read_text())
            found.append(Source(schema["version"], "pydantic-ocsf 3.0.0", schema))
    return found


def extra_sources(folder: Path | None) -> list[Source]:
    """The schema files of `folder` (`v1_8_0.json`, `v1_9_0-dev.json`, pydantic-ocsf's
    format), named by their own `version`, so a snapshot keeps its `-dev` label."""
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("v*.json")):
        data = path.read_bytes()
        schema = json.loads(data)
        digest = hashlib.sha256(data).hexdigest()
        origin = _PROVENANCE.get(digest, f"{path.name}, sha256 {digest}")
        found.append(Source(schema["version"], origin, schema))
    return found


def build(sources: Sequence[Source]) -> dict[str, dict[str, Any]]:
    """Version -> its table. A later source of the same version replaces an earlier one."""
    tables: dict[str, dict[str, Any]] = {}
    for source in sources:
        table = _version_table(source.schema)
        tables[source.version] = {"version": source.version, "source": source.origin, **table}
    return tables


def render(table: dict[str, Any]) -> str:
    """JSON with one entry per line: objects are opened, lists and scalars stay on the
    line of their key. Order as built (sorted by the builder)."""
    return _render(table, 0) + "\n"


def _render(value: object, depth: int) -> str:
    if not isinstance(value, dict) or not value:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    inner = " " * (depth + 1)
    items = [f"{inner}{json.dumps(k)}: {_render(v, depth + 1)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"


def file_name(version: str) -> str:
    return f"{version}.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a table is stale")
    parser.add_argument(
        "--schemas",
        type=Path,
        default=DEFAULT_SCHEMAS,
        help=f"folder of the schema files past pydantic-ocsf's (default {DEFAULT_SCHEMAS})",
    )
    args = parser.parse_args(argv)
    bundled = bundled_sources()
    if not bundled:
        print("pydantic-ocsf is not installed (pip install -e '.[dev]')", file=sys.stderr)
        return 2
    tables = build([*bundled, *extra_sources(args.schemas)])
    committed = {path.name for path in TABLES.glob("*.json")}
    skipped = sorted(committed - {file_name(v) for v in tables})
    stale = []
    for version, table in tables.items():
        path = TABLES / file_name(version)
        text = render(table)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path.name)
        else:
            TABLES.mkdir(exist_ok=True)
            if not path.is_file() or path.read_text() != text:
                path.write_text(text)
                print(f"wrote {path} ({len(text)} bytes)")
    if skipped:
        # A clean clone has no ../shared/ocsf-schema: those tables stay as committed.
        print(
            f"not rebuilt (no source schema in {args.schemas}): {', '.join(skipped)}",
            file=sys.stderr,
        )
    if stale:
        print(
            f"stale: {', '.join(stale)}: run python -m shared.mapping.ocsf.schema_gen",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
