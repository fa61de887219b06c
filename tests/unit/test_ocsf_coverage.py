"""The coverage tables in docs/ and the schema table are what the code generates."""

from __future__ import annotations

import pytest

from shared.mapping.ocsf import coverage, schema_gen
from shared.mapping.ocsf.schema import SCHEMA
from shared.mapping.vocabulary import relationship_types


def test_formats_md_holds_the_generated_table() -> None:
    document = coverage.FORMATS.read_text()
    assert coverage.replace_in(document, coverage.common_table()) == document


def test_ocsf_coverage_md_is_the_generated_table() -> None:
    assert coverage.CLASSES.read_text() == coverage.class_table()


def test_the_schema_table_is_generated_from_the_installed_schemas() -> None:
    pytest.importorskip("ocsf", reason="pydantic-ocsf (a dev dependency) is not installed")
    assert schema_gen.TABLE.read_text() == schema_gen.render()


def test_every_class_of_every_version_is_known() -> None:
    assert len(SCHEMA.versions["1.7.0"].classes) >= 75
    assert {3002, 4001, 4009, 1007, 2004, 6003} <= set(SCHEMA.latest.classes)
    assert SCHEMA.for_version("1.0.0-rc.2").version == "1.0.0"
    assert SCHEMA.for_version("1.9.0").version == "1.7.0"
    assert SCHEMA.for_version(None).version == "1.7.0"


def test_every_documented_relationship_is_allowlisted() -> None:
    allowed = relationship_types()
    for version in SCHEMA.versions.values():
        for _, _, rel in coverage.paths(version, tuple(sorted(version.attribute_names()))):
            assert rel in allowed
