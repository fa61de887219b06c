"""The one-screen summary at the end of `make bench`, and the floor's parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench.floor import floor_params
from bench.report import render_summary
from shared.mapping.graph_model import Entity, GraphEvent, Link

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _stage7() -> dict[str, Any]:
    med = {
        name: {
            "events_per_s": rate,
            "seconds": 1.0,
            "neo4j_us_per_event": us,
            "neo4j_cpu_pct": 90.0,
            "client_us_per_event": 50.0,
        }
        for name, rate, us in (("write_events", 5000.0, 140.0), ("floor", 6000.0, 110.0))
    }
    return {
        "stage": 7,
        "name": "Neo4j CPU per written event: write_events vs the floor",
        "unit": "us/event",
        "measured": 140.0,
        "baseline": 110.0,
        "ratio": 140 / 110,
        "target": "<= 1.3x the floor",
        "met": True,
        "details": {"median": med},
    }


def test_summary_names_the_run_and_fits_one_screen() -> None:
    failed = {"stage": 3, "name": "graph_writer drain", "error": "ZeroDivisionError()" * 20}
    payload = {
        "run_id": "20261128t050000",
        "mode": "quick",
        "code": "abc1234",
        "wall_seconds": 42.0,
        "file": "20261128t050000.json",
        "results": [_stage7(), failed],
    }
    text = render_summary(payload)
    lines = text.splitlines()
    assert "20261128t050000" in lines[0]
    assert len(lines) <= 30
    assert max(len(line) for line in lines) <= 200
    assert "1.27x" in text
    assert any(line.startswith("7 floor") for line in lines)


def test_floor_params_carry_each_events_links_and_flat_attributes() -> None:
    ip = Entity("IP:10.0.0.1", "IP", "IP", {"address": "10.0.0.1"})
    event = GraphEvent("e1", T0, T0, "ocsf", {"class_uid": 1}, "{}", (Link("HAS_SOURCE", ip),))
    params = floor_params([event])
    (entity,) = params["entities"]
    assert entity["attrs"] == {"type": "IP", "address": "10.0.0.1"}
    assert params["events"][0]["links"] == [{"rel": "HAS_SOURCE", "key": "IP:10.0.0.1"}]
    assert params["pairs"] == []
