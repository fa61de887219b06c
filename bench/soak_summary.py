"""What a soak run amounts to: memory and CPU per process, writer incarnations, the result."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.soak_processes import Run
from bench.soak_verify import checks
from bench.trend import memory_trend, slope_per_hour


@dataclass(frozen=True)
class Driven:
    """What the load phase left behind, in the run's clock (`Run.now`)."""

    loads: list[dict[str, Any]]
    load_t0: float
    load_end: float
    drain_s: float
    ingest_exit: int | None
    api_log: Path


def summarize(
    args: argparse.Namespace,
    run: Run,
    driven: Driven,
    graph: dict[str, Any],
    kafka: dict[str, int],
    logged_errors: int,
) -> dict[str, Any]:
    load_t0, load_end = driven.load_t0, driven.load_end
    warmup = min(args.warmup, (load_end - load_t0) / 3)
    ingest = _service_memory(run, "ingest_api", load_t0 + warmup, load_end)
    verdicts = checks(graph, run, kafka, ingest["trend"])
    sent = sum(r["issued"] * r["spec"]["events_per_request"] for r in driven.loads)
    return {
        "duration_s": round(load_end - load_t0, 1),
        "target_rate": args.rate,
        "events_sent": sent,
        "achieved_rate": round(len(run.acked) / max(1e-9, load_end - load_t0), 1),
        "drain_s": round(driven.drain_s, 1),
        "warmup_s": round(warmup, 1),
        "load": driven.loads,
        "graph": graph,
        "kafka": kafka,
        "errors": run.errors,
        "error_examples": run.error_examples,
        "log_error_lines": logged_errors,
        "ingest_exit_code": driven.ingest_exit,
        "memory": {
            "ingest_api": ingest,
            "kafka": _service_memory(run, "kafka", load_t0 + warmup, load_end),
            "neo4j": _service_memory(run, "neo4j", load_t0 + warmup, load_end),
        },
        "writers": _writer_summary(run),
        "restarts": {
            "SIGTERM": sum(1 for i in run.incarnations if i.ended_by == "SIGTERM"),
            "SIGKILL": sum(1 for i in run.incarnations if i.ended_by == "SIGKILL"),
        },
        "samples": run.samples,
        "checks": verdicts,
    }


def _writer_summary(run: Run) -> list[dict[str, Any]]:
    out = []
    for inc in run.incarnations:
        points = [
            (s["t"], s["graph_writer"]["rss_mib"])
            for s in run.samples
            if s.get("graph_writer", {}).get("incarnation") == inc.number
            and s["graph_writer"]["rss_mib"] is not None
        ]
        cpu = [
            s["graph_writer"]["cpu_pct"]
            for s in run.samples
            if s.get("graph_writer", {}).get("incarnation") == inc.number
            and s["graph_writer"]["cpu_pct"] is not None
        ]
        out.append(
            {
                **asdict(inc),
                "samples": len(points),
                "rss_start_mib": points[0][1] if points else None,
                "rss_end_mib": points[-1][1] if points else None,
                "rss_peak_mib": max(v for _, v in points) if points else None,
                "rss_slope_mib_per_h": round(slope_per_hour(points), 1) if points else None,
                "cpu_mean_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
            }
        )
    return out


def _series(run: Run, name: str, since: float = 0.0, until: float = float("inf")) -> list[Any]:
    return [
        (s["t"], s[name]["rss_mib"])
        for s in run.samples
        if name in s and s[name]["rss_mib"] is not None and since <= s["t"] <= until
    ]


def _service_memory(run: Run, name: str, since: float, until: float) -> dict[str, Any]:
    every = _series(run, name)
    window = _series(run, name, since, until)
    cpu = [s[name]["cpu_pct"] for s in run.samples if s.get(name, {}).get("cpu_pct") is not None]
    return {
        "rss_start_mib": every[0][1] if every else None,
        "rss_end_mib": window[-1][1] if window else None,
        "rss_peak_mib": max(v for _, v in every) if every else None,
        "cpu_mean_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
        "trend": memory_trend(window).as_dict(),
    }
