"""Generate `schema_table.json` from the official OCSF schemas shipped by `pydantic-ocsf`.

    python -m shared.mapping.ocsf.schema_gen        # rewrite the table
    python -m shared.mapping.ocsf.schema_gen --check  # exit 1 when the table is stale

The services read the committed table, not the package: 6 MB of schemas would cost
start-up time and a runtime dependency for the few hundred facts the mapping needs
(which attribute holds which object type, which types extend which, each class's
name and associations, the observable type ids). A diff of the table shows exactly
what a schema upgrade changes in the graph.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("schema_table.json")

# Scalar types whose values are entities wherever they appear.
_ENTITY_SCALARS = frozenset({"ip_t", "email_t"})


def _version_table(schema: dict[str, Any]) -> dict[str, Any]:
    objects: dict[str, Any] = schema["objects"]
    dictionary: dict[str, Any] = schema["dictionary"]["attributes"]
    object_names = set(objects)

    def keep(type_name: str | None) -> bool:
        return type_name in object_names or type_name in _ENTITY_SCALARS

    # Attribute name -> [type, is_array], for the attributes the walk may follow.
    attributes = {
        name: [spec["type"], bool(spec.get("is_array"))]
        for name, spec in sorted(dictionary.items())
        if keep(spec.get("type"))
    }
    # Where an object gives one of its attributes another type than the dictionary does.
    overrides: dict[str, dict[str, str]] = {}
    for name, obj in sorted(objects.items()):
        for attr, spec in sorted(obj.get("attributes", {}).items()):
            own = spec.get("type") if isinstance(spec, dict) else None
            if own is not None and own != attributes.get(attr, [None])[0] and keep(own):
                overrides.setdefault(name, {})[attr] = own
    # Per object, and per class below: the attributes (own and inherited) the walk may
    # follow. Only the coverage table in docs/formats.md reads them: the walk itself goes
    # by the dictionary, so an attribute a vendor puts in an unlisted place still maps.
    members = {
        name: sorted(
            a for a in _inherited(name, objects) if a in attributes or a in overrides.get(name, {})
        )
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
    return {
        "attributes": attributes,
        "observables": _observable_types(schema),
        "overrides": overrides,
        "members": members,
        "extends": {name: obj.get("extends") for name, obj in sorted(objects.items())},
        "classes": dict(sorted(classes.items(), key=lambda item: int(item[0]))),
    }


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


def build() -> dict[str, Any]:
    folder = resources.files("ocsf").joinpath("schemas")
    versions = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            schema = json.loads(entry.read_text())
            versions[schema["version"]] = _version_table(schema)
    return {"source": "pydantic-ocsf", "versions": versions}


def render() -> str:
    return json.dumps(build(), indent=None, separators=(",", ":"), sort_keys=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the table is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if TABLE.read_text() != text:
            print(
                f"{TABLE} is stale: run python -m shared.mapping.ocsf.schema_gen", file=sys.stderr
            )
            return 1
        return 0
    TABLE.write_text(text)
    print(f"wrote {TABLE} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
