"""The checkpoints read off a Neo4j 5 debug.log, and which fall in a window."""

from __future__ import annotations

from datetime import datetime

from bench.neo4j_checkpoints import checkpoints, overlapping

_C = "INFO  [o.n.k.i.t.l.c.CheckPointerImpl]"
LOG = f"""\
2026-12-08 04:12:23.201+0000 {_C} [neo4j/64c817d7] Checkpoint triggered by "Database init completed." @ txId: 3, append index: 3 checkpoint started...
2026-12-08 04:12:23.223+0000 {_C} [neo4j/64c817d7] Checkpoint triggered by "Database init completed." @ txId: 3, append index: 3 checkpoint completed in 21ms. Checkpoint flushed 74 pages
2026-12-08 04:20:00.000+0000 INFO  [o.n.k.d.Database] [neo4j/64c817d7] something else
2026-12-08 04:27:23.774+0000 {_C} [neo4j/64c817d7] Checkpoint triggered by "Scheduled checkpoint for every 15 minutes threshold" @ txId: 5325, append index: 5325 checkpoint started...
2026-12-08 04:27:32.485+0000 {_C} [system/00000000] Checkpoint triggered by "Scheduled checkpoint for every 15 minutes threshold" @ txId: 41, append index: 41 checkpoint started...
2026-12-08 04:27:26.245+0000 {_C} [neo4j/64c817d7] Checkpoint triggered by "Scheduled checkpoint for every 15 minutes threshold" @ txId: 5325, append index: 5325 checkpoint completed in 2s 469ms. Checkpoint flushed 51448 pages (78% of total available pages), in 33745 IOs.
2026-12-08 04:42:00.000+0000 {_C} [neo4j/64c817d7] Checkpoint triggered by "Scheduled checkpoint for every 15 minutes threshold" @ txId: 9000, append index: 9000 checkpoint started...
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-12-08T{text}+00:00")


def test_completed_checkpoints_pair_with_their_start() -> None:
    found = checkpoints(LOG)
    assert [(c.database, c.seconds) for c in found] == [("neo4j", 0.021), ("neo4j", 2.469)]
    assert found[1].started == at("04:27:23.774000")
    assert found[1].trigger.startswith("Scheduled checkpoint")


def test_minutes_seconds_and_milliseconds_add_up() -> None:
    line = LOG.splitlines()[1].replace("completed in 21ms", "completed in 1m 2s 5ms")
    assert checkpoints(line)[0].seconds == 62.005


def test_a_window_sees_only_the_checkpoints_that_overlap_it() -> None:
    found = checkpoints(LOG)
    assert overlapping(found, at("04:27:00"), at("04:27:24")) == [found[1]]
    assert overlapping(found, at("04:27:26.5"), at("04:28:00")) == []
    assert overlapping(found, at("04:13:00"), at("04:27:00")) == []
