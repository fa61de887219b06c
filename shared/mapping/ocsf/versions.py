"""Which OCSF schema an event is mapped with, and why, for the answer to the client. Pure.

`OcsfSchema.for_version` picks the schema; this says what the client should know about
the pick: an event of a version newer than every known one (1.10.0) is mapped with the
newest known schema, and one declaring 1.9.0 with the 1.9.0-dev pre-release snapshot.
The answer says so, rather than letting the client believe its version was understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from shared.mapping.ocsf.schema import SCHEMA, OcsfSchema

_MAJOR_MINOR: Final = re.compile(r"(\d+)\.(\d+)")
# Longer than any version string; a longer one is echoed cut, not whole.
_MAX_ECHO: Final = 64


@dataclass(frozen=True, slots=True)
class SchemaChoice:
    declared: str | None  # `metadata.version` as sent (cut to 64 characters), if a string
    used: str  # the schema table the event is mapped with
    note: str | None  # why `used` is not simply the declared version; None when it is


def schema_choice(event: object, schema: OcsfSchema = SCHEMA) -> SchemaChoice:
    """The schema an OCSF event (a dict, as sent) is mapped with. CEF and syslog lines
    are translated without a version: they get the newest, with no note."""
    declared = _declared(event)
    used = schema.for_version(declared)
    return SchemaChoice(
        None if declared is None else declared[:_MAX_ECHO],
        used.version,
        _note(declared, used.version, used.prerelease, schema),
    )


def _declared(event: object) -> str | None:
    metadata = event.get("metadata") if isinstance(event, dict) else None
    version: Any = metadata.get("version") if isinstance(metadata, dict) else None
    return version.strip() if isinstance(version, str) and version.strip() else None


def _note(declared: str | None, used: str, prerelease: bool, schema: OcsfSchema) -> str | None:
    if declared is None:
        return None  # no version claimed: the newest is the documented default
    if declared == used:
        return None
    newest = schema.latest.version
    match = _MAJOR_MINOR.match(declared)
    if match is None:
        return f"metadata.version is not a version: mapped with the newest known schema, {used}"
    wanted = (int(match[1]), int(match[2]))
    if wanted > _major_minor(newest):
        return (
            f"OCSF {declared} is newer than every schema this pipeline knows: mapped with "
            f"the newest, {used}; what only {declared} defines is kept in the raw event "
            "but not mapped"
        )
    if wanted < _major_minor(schema.oldest.version):
        return f"OCSF {declared} predates every known schema: mapped with the newest, {used}"
    if prerelease:
        return (
            f"mapped with {used}, a pre-release snapshot of OCSF "
            f"{used.split('-', 1)[0]}: the release itself is not bundled, and its classes "
            "and attributes may differ from the snapshot"
        )
    if wanted != _major_minor(used):
        return f"no schema for OCSF {declared}: mapped with the nearest older one, {used}"
    return None  # same major.minor: a patch release changes no class or attribute


def _major_minor(version: str) -> tuple[int, int]:
    match = _MAJOR_MINOR.match(version)
    assert match is not None  # table versions are checked when loaded
    return int(match[1]), int(match[2])
