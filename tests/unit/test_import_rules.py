"""Who may import whom (docs/architecture.md, "Layout"): read from the source with `ast`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Third-party libraries that do I/O or serve HTTP: what keeps a package from being pure.
NEO4J = ("neo4j",)
KAFKA = ("aiokafka",)
HTTP = ("starlette", "hypercorn", "uvloop", "prometheus_client")


@dataclass(frozen=True)
class Rule:
    """Imports of our own code must start with one of `ours`; none may start with `never`."""

    ours: tuple[str, ...]
    never: tuple[str, ...] = ()


RULES: dict[str, Rule] = {
    "shared/core": Rule(ours=("shared.core",), never=NEO4J + KAFKA + HTTP),
    "shared/mapping": Rule(ours=("shared.core", "shared.mapping"), never=NEO4J + KAFKA + HTTP),
    # The Neo4j side reaches the mapping only through the types it stores and the
    # vocabulary (labels, relationship types) it may write.
    "shared/neo4j_store": Rule(
        ours=(
            "shared.core",
            "shared.neo4j_store",
            "shared.mapping.graph_model",
            "shared.mapping.vocabulary",
        ),
        never=KAFKA + HTTP,
    ),
    "shared/kafka_io": Rule(ours=("shared.core", "shared.kafka_io"), never=NEO4J + HTTP),
    "ingest_api": Rule(ours=("shared", "ingest_api")),
    "graph_writer": Rule(ours=("shared", "graph_writer")),
    # The benchmark drives both services; it never borrows from the tests.
    "bench": Rule(ours=("shared", "ingest_api", "graph_writer", "bench")),
}

FIRST_PARTY = ("shared", "ingest_api", "graph_writer", "bench", "tests")


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _allowed(module: str, rule: Rule) -> bool:
    # `from shared.mapping import graph_model` names the package first.
    return _within(module, rule.ours) or any(p.startswith(module + ".") for p in rule.ours)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute module name the file imports, with its line; `from a import b` counts
    as `a.b` too, so importing a submodule by name cannot slip past a rule."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            assert node.module is not None
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _breaks(module: str, rule: Rule) -> bool:
    if _within(module, rule.never):
        return True
    return _within(module, FIRST_PARTY) and not _allowed(module, rule)


def violations(root: Path, folder: str, rule: Rule) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line} imports {module}"
        for path in sorted((root / folder).rglob("*.py"))
        for line, module in imported_modules(path)
        if _breaks(module, rule)
    ]


@pytest.mark.parametrize("folder", sorted(RULES))
def test_imports_follow_the_layout(folder: str) -> None:
    assert violations(ROOT, folder, RULES[folder]) == []


def test_every_package_under_shared_has_a_rule() -> None:
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "shared").glob("*/__init__.py")}
    assert packages == {f for f in RULES if f.startswith("shared/")}


def test_a_crossing_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "shared" / "kafka_io"
    package.mkdir(parents=True)
    (package / "bad.py").write_text(
        "import neo4j\n"
        "from shared.neo4j_store.repository import GraphRepository\n"
        "from shared.mapping import to_graph\n"
        "from shared.core.errors import InvalidEvent\n"
    )
    found = violations(tmp_path, "shared/kafka_io", RULES["shared/kafka_io"])
    assert [f.split(" imports ")[1] for f in found] == [
        "neo4j",
        "shared.neo4j_store.repository",
        "shared.neo4j_store.repository.GraphRepository",
        "shared.mapping",
        "shared.mapping.to_graph",
    ]
