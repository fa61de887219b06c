"""`python -m bench.profile_write [--warm 20000] [--batches 10]`: where the write's cost is.

Hand-run, not a stage of `bench.run`. Wipes the Neo4j it is given, writes `--warm` bench
events through `GraphRepository.write_events` (so hot entities exist, as in production),
then writes `--batches` more batches of 1,000 with each variant's transaction function
(`_write_batch` of the repository, and the write before issue 17 from bench/floor.py),
one query at a time, and reports per query:

- Neo4j server CPU (utime+stime of its JVM, read around each query: the queries run one
  after another, nothing else writes) and wall time, summed over the batches;
- the rows and db hits of each operator under `PROFILE`, on one more batch, rolled back.

The transaction function is run on a proxy of the transaction that times each `run`, so
the figures follow whatever queries `_write_batch` sends.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, LiteralString, cast

import uvloop
from neo4j import AsyncManagedTransaction, AsyncResult, AsyncTransaction

from bench import backends
from bench.backends import Graph
from bench.events import EventGenerator
from bench.floor import _before_batch
from bench.infra import BenchEnv, cpu_seconds
from bench.stages_common import SEED, find_server_pids
from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.repository import _write_batch
from shared.neo4j_store.write_plan import dedupe_events

BATCH = 1_000
TxFunction = Callable[[AsyncManagedTransaction, list[GraphEvent]], Awaitable[object]]


class _Step:
    def __init__(self, name: str) -> None:
        self.name = name
        self.cpu = 0.0
        self.wall = 0.0
        self.server_ms = 0
        self.calls = 0
        self.profile: dict[str, Any] | None = None


class _Timed:
    """What `_write_batch` uses of a result: `single` and `consume`, timed to their end."""

    def __init__(self, probe: _Probe, result: AsyncResult, began: tuple[float, float]) -> None:
        self._probe, self._result, self._began = probe, result, began

    async def single(self, strict: bool = False) -> Any:
        record = await (self._result.single(strict=True) if strict else self._result.single())
        await self._done()
        return record

    async def consume(self) -> Any:
        return await self._done()

    async def _done(self) -> Any:
        summary = await self._result.consume()
        self._probe.finish(self._began, summary)
        return summary


class _Probe:
    """Stands in for the transaction: runs each query (PROFILEd if asked) and times it."""

    def __init__(self, tx: AsyncTransaction, steps: list[_Step], pid: int, profile: bool):
        self._tx, self._steps, self._pid, self._profile = tx, steps, pid, profile
        self._index = 0
        self._names: list[str] = []

    async def run(self, query: LiteralString, **params: Any) -> _Timed:
        self._names.append(_name(query))
        text: LiteralString = "PROFILE " + query if self._profile else query
        began = (time.monotonic(), cpu_seconds(self._pid))
        return _Timed(self, await self._tx.run(text, **params), began)

    def finish(self, began: tuple[float, float], summary: Any) -> None:
        if self._index == len(self._steps):
            self._steps.append(_Step(f"{self._index + 1}: {self._names[self._index]}"))
        step = self._steps[self._index]
        self._index += 1
        step.wall += time.monotonic() - began[0]
        step.cpu += cpu_seconds(self._pid) - began[1]
        step.server_ms += (summary.result_available_after or 0) + (
            summary.result_consumed_after or 0
        )
        step.calls += 1
        if self._profile:
            step.profile = summary.profile


def _name(query: str) -> str:
    """`UNWIND $entities` and the write clauses, e.g. `$entities: MERGE SET FOREACH CREATE`."""
    match = re.search(r"UNWIND \$(\w+)", query)
    clauses = re.findall(r"\b(MERGE|CREATE|SET|FOREACH|REMOVE)\b", query)
    head = f"${match.group(1)}" if match else query.split()[0]
    return f"{head}: {' '.join(dict.fromkeys(clauses))}"


async def _measure(
    graph: Graph, fn: TxFunction, batches: Sequence[Sequence[GraphEvent]], pid: int
) -> list[_Step]:
    steps: list[_Step] = []
    commit = _Step("commit")
    for batch in batches:
        async with graph.driver.session(database=graph.env.neo4j_database) as session:
            tx = await session.begin_transaction()
            probe = _Probe(tx, steps, pid, profile=False)
            await fn(cast(AsyncManagedTransaction, probe), dedupe_events(batch))
            began = (time.monotonic(), cpu_seconds(pid))
            await tx.commit()
            commit.wall += time.monotonic() - began[0]
            commit.cpu += cpu_seconds(pid) - began[1]
            commit.calls += 1
    return [*steps, commit]


async def _profile(
    graph: Graph, fn: TxFunction, batch: Sequence[GraphEvent], pid: int
) -> list[_Step]:
    steps: list[_Step] = []
    async with graph.driver.session(database=graph.env.neo4j_database) as session:
        tx = await session.begin_transaction()
        try:
            await fn(cast(AsyncManagedTransaction, _Probe(tx, steps, pid, True)), list(batch))
        finally:
            await tx.rollback()
    return steps


def _operators(plan: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = [(depth, plan)]
    for child in plan.get("children", []):
        out += _operators(child, depth + 1)
    return out


def _report(name: str, steps: list[_Step], profiled: list[_Step], n_events: int) -> str:
    total_cpu = sum(s.cpu for s in steps) or 1e-9
    lines = [
        f"### {name}",
        "",
        "| query | Neo4j CPU us/event | share | wall ms/batch | server ms/batch | db hits/batch |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for i, s in enumerate(steps):
        hits = "-"
        plan = profiled[i].profile if i < len(profiled) else None
        if plan:
            hits = f"{sum(p.get('dbHits', 0) for _, p in _operators(plan)):,}"
        lines.append(
            f"| {s.name} | {1e6 * s.cpu / n_events:.0f} | {100 * s.cpu / total_cpu:.0f}% | "
            f"{1000 * s.wall / max(1, s.calls):.0f} | {s.server_ms / max(1, s.calls):.0f} | "
            f"{hits} |"
        )
    lines.append(f"| total | {1e6 * total_cpu / n_events:.0f} | | | | |")
    for s in profiled:
        if not s.profile:
            continue
        lines += ["", f"`PROFILE` of {s.name}, operators (rows, db hits):", "", "```"]
        for depth, op in _operators(s.profile):
            details = str(op.get("args", {}).get("Details", ""))[:90]
            lines.append(
                f"{'  ' * depth}{op.get('operatorType', '?')}: rows {op.get('rows', 0):,}, "
                f"db hits {op.get('dbHits', 0):,}  {details}"
            )
        lines.append("```")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    env = BenchEnv.from_environ()
    _, pid = find_server_pids(env)
    if pid is None:
        raise SystemExit("no Neo4j process found listening on the Bolt port")
    graph = Graph(env)
    generator = EventGenerator(SEED + 17)
    per_variant = args.batches * BATCH
    total = args.warm + 2 * per_variant + BATCH
    events = backends.graph_events(generator, [f"pw-{i:07d}" for i in range(total)])
    variants: list[tuple[str, TxFunction]] = [
        ("`_write_batch` (shared/neo4j_store/repository.py)", _write_batch),
        ("before issue 17 (bench/floor.py `write_before`)", _before_batch),
    ]
    if args.before_first:
        variants.reverse()
    try:
        await graph.wipe()
        await graph.write_batches(backends.chunks(events[: args.warm], BATCH), 2)
        cursor = args.warm
        profile_batch = events[-BATCH:]
        for name, fn in variants:
            chunk = events[cursor : cursor + per_variant]
            cursor += per_variant
            steps = await _measure(graph, fn, backends.chunks(chunk, BATCH), pid)
            profiled = await _profile(graph, fn, profile_batch, pid)
            print(_report(name, steps, profiled, len(chunk)), end="\n\n", flush=True)
    finally:
        await graph.wipe()
        await graph.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_write", description=__doc__)
    parser.add_argument("--warm", type=int, default=20_000, help="events written first")
    parser.add_argument("--batches", type=int, default=10, help="batches of 1,000 per variant")
    parser.add_argument("--before-first", action="store_true", help="measure `before` first")
    uvloop.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
