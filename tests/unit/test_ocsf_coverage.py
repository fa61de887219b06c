"""The coverage tables in docs/ and the schema table are what the code generates."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.mapping.ocsf import coverage, schema_gen
from shared.mapping.ocsf.schema import SCHEMA
from shared.mapping.vocabulary import relationship_types


def test_formats_md_holds_the_generated_table() -> None:
    document = coverage.FORMATS.read_text()
    assert coverage.replace_in(document, coverage.common_table()) == document


def test_ocsf_coverage_md_is_the_generated_table() -> None:
    assert coverage.CLASSES.read_text() == coverage.class_table()


def test_the_schema_tables_of_pydantic_ocsf_are_generated_from_it() -> None:
    pytest.importorskip("ocsf", reason="pydantic-ocsf (a dev dependency) is not installed")
    tables = schema_gen.build(schema_gen.bundled_sources())
    assert sorted(tables) == [f"1.{minor}.0" for minor in range(8)]
    for version, table in tables.items():
        path = schema_gen.TABLES / schema_gen.file_name(version)
        assert path.read_text() == schema_gen.render(table)


def test_the_newer_schema_tables_are_generated_from_the_shared_schema_files() -> None:
    if not schema_gen.DEFAULT_SCHEMAS.is_dir():
        pytest.skip(f"no {schema_gen.DEFAULT_SCHEMAS} beside the checkout (a clean clone)")
    tables = schema_gen.build(schema_gen.extra_sources(schema_gen.DEFAULT_SCHEMAS))
    assert sorted(tables) == ["1.8.0", "1.9.0-dev"]
    assert "pre-release snapshot" in tables["1.9.0-dev"]["source"]
    assert "tag 1.8.0" in tables["1.8.0"]["source"]
    for version, table in tables.items():
        path = schema_gen.TABLES / schema_gen.file_name(version)
        assert path.read_text() == schema_gen.render(table)


def test_check_without_the_shared_schemas_skips_their_versions_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ocsf", reason="pydantic-ocsf (a dev dependency) is not installed")
    assert schema_gen.main(["--check", "--schemas", str(tmp_path / "absent")]) == 0
    err = capsys.readouterr().err
    assert "not rebuilt" in err
    assert "1.8.0.json" in err
    assert "1.9.0-dev.json" in err


def test_each_table_has_one_entry_per_line() -> None:
    for path in schema_gen.TABLES.glob("*.json"):
        lines = path.read_text().splitlines()
        assert len(lines) > 500, path.name
        # A class's attribute list is the longest line; a whole table on one line was 227 KB.
        assert max(map(len, lines)) < 1_000, path.name


def test_every_class_of_every_version_is_known() -> None:
    assert len(SCHEMA.versions["1.7.0"].classes) >= 75
    assert {3002, 4001, 4009, 1007, 2004, 6003} <= set(SCHEMA.latest.classes)
    assert {1011, 1012, 3007, 3008} <= set(SCHEMA.versions["1.9.0-dev"].classes)
    assert not {1011, 1012, 3007, 3008} & set(SCHEMA.versions["1.8.0"].classes)
    deprecated = SCHEMA.versions["1.9.0-dev"].classes[3001].deprecated
    assert deprecated is not None
    assert "User Management" in deprecated
    assert SCHEMA.versions["1.9.0-dev"].prerelease
    assert not SCHEMA.versions["1.8.0"].prerelease


@pytest.mark.parametrize(
    ("declared", "used"),
    [
        ("1.0.0-rc.2", "1.0.0"),
        ("1.7.0", "1.7.0"),
        ("1.8.0", "1.8.0"),
        ("1.8.2", "1.8.0"),
        ("1.9.0", "1.9.0-dev"),
        ("1.9.0-dev", "1.9.0-dev"),
        ("1.10.0", "1.9.0-dev"),
        ("2.0.0", "1.9.0-dev"),
        ("banana", "1.9.0-dev"),
        (None, "1.9.0-dev"),
    ],
)
def test_the_declared_version_picks_the_schema(declared: str | None, used: str) -> None:
    assert SCHEMA.for_version(declared).version == used


def test_every_documented_relationship_is_allowlisted() -> None:
    allowed = relationship_types()
    for version in SCHEMA.versions.values():
        for _, _, rel in coverage.paths(version, tuple(sorted(version.attribute_names()))):
            assert rel in allowed
