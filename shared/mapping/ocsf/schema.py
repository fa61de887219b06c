"""The OCSF facts the mapping needs, read once from the generated `schema_tables/`.

Which object type an attribute holds comes from the schema's dictionary (an attribute
name means the same thing in every object and class), so an event of any class, or a
vendor that puts an attribute in a class that does not list it, is walked the same way.
The event's `metadata.version` picks the schema version; unknown or absent means the
newest (`versions.py` says which was used and why, for the answer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

_VERSION: Final = re.compile(r"(\d+)\.(\d+)")
# A table's own version: `1.8.0`, or a pre-release snapshot such as `1.9.0-dev`.
_TABLE_VERSION: Final = re.compile(r"(\d+)\.(\d+)\.(\d+)(-.+)?")


@dataclass(frozen=True, slots=True)
class ClassInfo:
    uid: int
    name: str
    caption: str
    associations: tuple[tuple[str, str], ...]
    attributes: tuple[str, ...]  # own and inherited, that the walk may follow
    deprecated: str | None = None  # since when, and what replaces it


class SchemaVersion:
    """One OCSF version: attribute types, type inheritance, classes, observable ids."""

    def __init__(self, version: str, table: dict[str, Any]) -> None:
        self.version = version
        self.source: str = table.get("source", "")
        # A snapshot of an unreleased version (`1.9.0-dev`): its uids may still change.
        self.prerelease = "-" in version
        self._attributes: dict[str, str] = dict(table["attributes"])
        self._extends: dict[str, str | None] = table["extends"]
        self.members: dict[str, tuple[str, ...]] = {
            name: tuple(attrs) for name, attrs in table["members"].items()
        }
        self.observables: dict[int, str] = {int(k): v for k, v in table["observables"].items()}
        self.classes: dict[int, ClassInfo] = {
            int(uid): ClassInfo(
                int(uid),
                spec["name"],
                spec["caption"],
                tuple((a, b) for a, b in spec["associations"]),
                tuple(spec["attributes"]),
                spec.get("deprecated"),
            )
            for uid, spec in table["classes"].items()
        }
        # What other versions know, for what this one does not: senders label events
        # 1.0.0 and use 1.1's `finding_info`, or 1.7 and keep 1.0's `account_uid`.
        self._other_attributes: dict[str, str] = {}
        self._other_extends: dict[str, str | None] = {}

    def learn_from(self, others: list[SchemaVersion]) -> None:
        for other in others:
            if other is not self:
                self._other_attributes.update(other._attributes)
                self._other_extends.update(other._extends)

    def attribute_type(self, name: str) -> str | None:
        """The schema type attribute `name` holds (the same in every object and class),
        from this version, else from another that has it."""
        return self._attributes.get(name) or self._other_attributes.get(name)

    def attribute_types(self) -> dict[str, str]:
        """Every attribute `attribute_type` answers for, with its type: one dict, built by
        the caller once per version."""
        return {**self._other_attributes, **self._attributes}

    def lineage(self, type_name: str) -> tuple[str, ...]:
        """`type_name` and every type it extends, nearest first."""
        found: list[str] = []
        current: str | None = type_name
        while current is not None and current not in found:
            found.append(current)
            current = self._extends.get(current, self._other_extends.get(current))
        return tuple(found)

    def object_types(self) -> frozenset[str]:
        """The object types this version knows, and those only others do."""
        return frozenset({*self._extends, *self._other_extends})

    def is_object(self, type_name: str) -> bool:
        return type_name in self._extends or type_name in self._other_extends

    def attribute_names(self) -> frozenset[str]:
        return frozenset(self._attributes)


class OcsfSchema:
    def __init__(self, table: dict[str, Any]) -> None:
        self.versions = {
            version: SchemaVersion(version, spec) for version, spec in table["versions"].items()
        }
        self._ordered = sorted(self.versions, key=_version_key)
        self._ordered_keys = [(_version_key(v)[:2], v) for v in self._ordered]
        self.latest = self.versions[self._ordered[-1]]
        self.oldest = self.versions[self._ordered[0]]
        # Newest last, so where versions disagree on a type the newest wins.
        by_age = [self.versions[v] for v in self._ordered]
        for version in by_age:
            version.learn_from(by_age)
        # Events carry a handful of distinct version strings: resolve each once.
        self._by_text: dict[str, SchemaVersion] = {}

    def for_version(self, text: object) -> SchemaVersion:
        """The schema for `metadata.version`: exact major.minor, else the newest not after
        it, else the newest (an absent, garbled or future version)."""
        if not isinstance(text, str):
            return self.latest
        found = self._by_text.get(text)
        if found is None:
            found = self._resolve(text)
            if len(self._by_text) < 1024:  # bounded: the text comes from clients
                self._by_text[text] = found
        return found

    def _resolve(self, text: str) -> SchemaVersion:
        match = _VERSION.match(text.strip())
        if match is None:
            return self.latest
        wanted = (int(match[1]), int(match[2]))
        chosen = None
        for key, version in self._ordered_keys:
            if key <= wanted:
                chosen = version
        return self.versions[chosen] if chosen is not None else self.latest

    def class_info(self, version: SchemaVersion, class_uid: int) -> ClassInfo | None:
        """The class in the event's version, else in the newest that has it."""
        found = version.classes.get(class_uid)
        if found is None:
            for name in reversed(self._ordered):
                found = self.versions[name].classes.get(class_uid)
                if found is not None:
                    break
        return found


def _version_key(version: str) -> tuple[int, ...]:
    """Major, minor, patch, then 0 for a pre-release and 1 for the release, so that
    `1.9.0-dev` sorts after 1.8.0 and before 1.9.0."""
    match = _TABLE_VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"schema table version {version!r} is not major.minor.patch[-label]")
    return (int(match[1]), int(match[2]), int(match[3]), 0 if match[4] else 1)


def _read_table() -> dict[str, Any]:
    """Every version's table (one file each, written by schema_gen.py)."""
    folder = resources.files(__package__).joinpath("schema_tables")
    versions: dict[str, Any] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            table = json.loads(entry.read_text())
            versions[table["version"]] = table
    # Oldest first, whatever order the folder lists its files in.
    return {"versions": {v: versions[v] for v in sorted(versions, key=_version_key)}}


# Immutable data, like any other table in code: read once at import.
SCHEMA: Final = OcsfSchema(_read_table())
