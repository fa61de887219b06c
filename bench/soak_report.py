"""The soak's summary on the console and docs/soak.md, from its JSON payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.infra import ROOT
from bench.report import kept_analysis
from bench.trend import MIN_WINDOW_S, RATIO_LIMIT, SLOPE_LIMIT_MIB_PER_H

DOCS = ROOT / "docs" / "soak.md"


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _with_unit(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:,.1f}{unit}"


def _errors_text(p: dict[str, Any]) -> str:
    if not p["errors"]:
        return "0"
    return (
        f"{sum(p['errors'].values()):,} ("
        + ", ".join(f"{k} {v:,}" for k, v in sorted(p["errors"].items()))
        + ")"
    )


def summary_rows(p: dict[str, Any]) -> list[tuple[str, str]]:
    g = p["graph"]
    r = p["restarts"]
    ingest = p["memory"]["ingest_api"]
    t = ingest["trend"]
    return [
        ("duration (load)", f"{p['duration_s'] / 60:.1f} min, then {p['drain_s']:.0f} s drain"),
        (
            "rate",
            f"{p['target_rate']:g} events/s target, {p['achieved_rate']:g} acknowledged/s "
            f"({p['args']['batch_share'] * 100:.0f}% in batches of {p['args']['batch_size']})",
        ),
        ("events sent", f"{p['events_sent']:,}"),
        ("acknowledged (distinct ids)", f"{g['acknowledged']:,}"),
        ("in Neo4j (this run's ids)", f"{g['in_neo4j']:,}"),
        ("missing (acknowledged, not in Neo4j)", f"{g['missing']:,}"),
        (
            "duplicates (event nodes twice / events with wrong relationship count)",
            f"{g['duplicate_event_nodes']:,} / {g['events_with_wrong_relationships']:,}",
        ),
        ("stored without an acknowledgement", f"{g['stored_without_ack']:,}"),
        (
            "entity event_count sum / expected / entities off",
            f"{g['entity_event_count_sum']:,} / {g['entity_event_count_expected']:,} / "
            f"{g['entities_with_wrong_event_count']:,}",
        ),
        ("relationships / entities", f"{g['relationships']:,} / {g['entities']:,}"),
        (
            "records in Kafka / in the dead-letter topic",
            f"{p['kafka']['records']:,} / {p['kafka']['dlq_records']:,}",
        ),
        ("errors", _errors_text(p)),
        (
            "writer restarts (SIGTERM / SIGKILL)",
            f"{r['SIGTERM'] + r['SIGKILL']} ({r['SIGTERM']} / {r['SIGKILL']}), every "
            f"{p['args']['restart_every']:g} s{_last_writer(p['args'])}",
        ),
        (
            "ingest_api RSS start / end / peak",
            f"{_mib(ingest['rss_start_mib'])} / {_mib(ingest['rss_end_mib'])} / "
            f"{_mib(ingest['rss_peak_mib'])} MiB",
        ),
        (
            "ingest_api RSS trend after warm-up",
            f"{t['slope_mib_per_h']:+.1f} MiB/h, last/first quarter median {t['ratio']:.3f} "
            f"({t['first_quarter_median_mib']:.1f} -> {t['last_quarter_median_mib']:.1f} MiB): "
            f"**{t['verdict']}**",
        ),
        ("graph_writer RSS per incarnation (start -> end, slope)", _writers_brief(p)),
        *[
            (
                f"{name} JVM RSS start / end / peak",
                f"{_mib(m['rss_start_mib'])} / {_mib(m['rss_end_mib'])} / "
                f"{_mib(m['rss_peak_mib'])} MiB",
            )
            for name, m in p["memory"].items()
            if name != "ingest_api" and m["rss_start_mib"] is not None
        ],
    ]


def _writers_brief(p: dict[str, Any]) -> str:
    parts = [
        f"#{w['number']} {_mib(w['rss_start_mib'])} -> {_mib(w['rss_end_mib'])} MiB "
        f"({w['rss_slope_mib_per_h']:+.0f} MiB/h)"
        if w["rss_slope_mib_per_h"] is not None
        else f"#{w['number']} -"
        for w in p["writers"]
    ]
    return "; ".join(parts)


def render_console(p: dict[str, Any]) -> str:
    rows = summary_rows(p)
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v.replace('**', '')}" for k, v in rows]
    lines += ["", "checks:"]
    lines += [f"  {'ok  ' if ok else 'FAIL'}  {name}" for name, ok in p["checks"].items()]
    if p["error_examples"]:
        lines += ["", "first errors:", *(f"  {e}" for e in p["error_examples"])]
    return "\n".join(lines)


def _writer_table(p: dict[str, Any]) -> str:
    head = (
        "| # | pid | ready after | ended by | exit code | signal -> exit | RSS start | RSS end "
        "| RSS peak | RSS slope | CPU mean | mean batch | mean write |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {w['number']} | {w['pid']} | {w['ready_s']} s | {w['ended_by']} | {w['exit_code']} "
        f"| {w['stop_seconds']} s | {_with_unit(w['rss_start_mib'], ' MiB')} "
        f"| {_with_unit(w['rss_end_mib'], ' MiB')} | {_with_unit(w['rss_peak_mib'], ' MiB')} | "
        + ("-" if w["rss_slope_mib_per_h"] is None else f"{w['rss_slope_mib_per_h']:+.0f} MiB/h")
        + f" | {_with_unit(w['cpu_mean_pct'], '%')} | {_with_unit(w.get('mean_batch'), '')} "
        f"| {_with_unit(w.get('mean_write_ms'), ' ms')} |"
        for w in p["writers"]
    ]
    return "\n".join([head, *rows])


def _timeline(p: dict[str, Any], rows: int = 13) -> str:
    """RSS (MiB) and CPU of each process at about `rows` evenly spaced samples."""
    samples = p["samples"]
    if not samples:
        return "_no samples_"
    step = max(1, len(samples) // (rows - 1))
    picked = samples[::step]
    if picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    names = [n for n in ("ingest_api", "graph_writer", "kafka", "neo4j") if n in samples[0]]
    head = "| t (min) | " + " | ".join(f"{n} RSS / CPU" for n in names) + " | lag | load1 |"
    lines = [head, "|" + "---|" * (len(names) + 3)]
    for s in picked:
        cells = []
        for n in names:
            v = s.get(n, {})
            label = f" (#{v['incarnation']})" if n == "graph_writer" else ""
            cpu = "-" if v.get("cpu_pct") is None else f"{v['cpu_pct']:.0f}%"
            cells.append(f"{_mib(v.get('rss_mib'))} MiB / {cpu}{label}")
        lag = "-" if s.get("lag") is None else f"{s['lag']:,}"
        lines.append(f"| {s['t'] / 60:.1f} | " + " | ".join(cells) + f" | {lag} | {s['load1']} |")
    return "\n".join(lines)


def render_docs(p: dict[str, Any], analysis: str) -> str:
    a = p["args"]
    m = p["machine"]
    flags = (
        f"--minutes {a['minutes']:g} --rate {a['rate']:g} --restart-every {a['restart_every']:g}"
        + (f" --last-writer-minutes {lw:g}" if (lw := a.get("last_writer_minutes", 0)) else "")
    )
    command = f"make soak SOAK_ARGS='{flags}'"
    summary = "\n".join(f"| {k} | {v} |" for k, v in summary_rows(p))
    return f"""# Soak

Generated by `bench/soak.py` from run `{p["run_id"]}` ({p["started"]}) of code
`{p["code"]}`. Raw results and every sample: `bench-results/{p["file"]}` (git-ignored).
Back to [benchmarks.md](benchmarks.md).

## Reproduce

```bash
{command}
# or against servers of your own (the soak WIPES the graph of the Neo4j it points at):
export BG_LOCAL_DIR=/tmp/bg-soak KAFKA_PORT=24092 KAFKA_CONTROLLER_PORT=24093 \\
       NEO4J_BOLT_PORT=24687 NEO4J_HTTP_PORT=24474
deploy/local/services.sh up
.venv/bin/python -m bench.soak {flags}
.venv/bin/python -m bench.soak --minutes 3 --restart-every 60 --no-docs   # smoke run
deploy/local/services.sh down
```

## Result

| | |
|---|---|
{summary}

Checks (the run exits 1 if any fails):

{_checks(p)}

Machine: {m["nproc"]} cores ({m["cpu_model"]}), {m["ram_gib"]} GiB, Python {m["python"]},
Kafka {m["kafka"]}, Neo4j {m["neo4j"]}; load average {", ".join(f"{x:.2f}" for x in m["loadavg_start"])}
at the start, {", ".join(f"{x:.2f}" for x in m["loadavg_end"])} at the end (the cores are shared
with other work).

### graph_writer incarnations

{_writer_table(p)}

### Memory and CPU over time

100% CPU = one core, averaged over the sampling interval ({a["sample_every"]:g} s); lag = records
in the topic not yet committed by the writers' group.

{_timeline(p)}

{analysis}

{_method(p)}
"""


def _checks(p: dict[str, Any]) -> str:
    """The verdict of each check, then the first errors if there were any."""
    checks = "\n".join(
        f"- {'ok' if ok else '**FAILED**'}: {name}" for name, ok in p["checks"].items()
    )
    if not p["error_examples"]:
        return checks
    return checks + "\n\nFirst errors:\n\n" + "\n".join(f"- `{e}`" for e in p["error_examples"])


def _method(p: dict[str, Any]) -> str:
    a = p["args"]
    return f"""## Method

- Kafka and Neo4j are the local servers (`deploy/local`); ingest_api (Kafka mode, API key
  required) and graph_writer run as real subprocesses (`python -m ...`), each waited for on
  `/health/ready`. Each run has its own topic (6 partitions), dead-letter topic and
  consumer group, deleted at the end; the graph is wiped at the start.
- Load: two open-loop processes of `bench/httpload.py`, single `POST /events` and
  `POST /events/batch` of {a["batch_size"]} events, together at the target rate in events/s,
  scheduled regardless of answers. Events come from the seeded generator
  `bench/events.py` (a pool of {5000:,} events cycled under unique ids). Every 2xx
  answer's accepted ids are recorded; every other answer, rejected batch item, connection
  error or 30 s timeout is an error, counted by kind.
- The writer is restarted every `--restart-every` seconds, SIGTERM and SIGKILL in turn; a
  SIGTERM must end in exit code 0. A new incarnation starts as soon as the old one is gone.
- Every `--sample-every` seconds: VmRSS from `/proc/<pid>/status`, CPU from
  `/proc/<pid>/stat`, of ingest_api, the current writer and the two JVMs, and the group's lag.
- After the load, the writers' group must commit every record (lag 0); then the last writer
  and ingest_api get SIGTERM (exit 0 expected). Reconciliation in Neo4j: every acknowledged
  id is an `:Event`; no event without an acknowledgement (unless its answer was lost); each
  event has exactly the relationships its mapping gives (a duplicate write would add some);
  the sum of `event_count` over entities equals the distinct (event, entity) pairs the
  mapping gives, and each entity's `event_count` equals its linked events. The dead-letter
  topic must be empty and the services' logs free of ERROR lines and tracebacks.
- Memory trend: ingest_api RSS from the end of the warm-up ({p["warmup_s"]:g} s) to the end of
  the load. "growth" when the least-squares slope exceeds {SLOPE_LIMIT_MIB_PER_H:g} MiB/h **and** the
  median of the last quarter of samples exceeds the first quarter's by more than
  {100 * (RATIO_LIMIT - 1):g}%; windows under {MIN_WINDOW_S / 60:g} min are "too short to judge". The writer's
  incarnations last only `--restart-every` seconds, so their RSS is reported per incarnation."""


def write_docs(payload: dict[str, Any]) -> None:
    DOCS.write_text(render_docs(payload, kept_analysis(DOCS)))


def main() -> None:
    """`python -m bench.soak_report bench-results/soak-<run>.json`: rewrite
    docs/soak.md from a saved run (its analysis block is kept)."""
    import sys

    payload = json.loads(Path(sys.argv[1]).read_text())
    write_docs(payload)
    print(render_console(payload))


if __name__ == "__main__":
    main()


def _last_writer(args: dict[str, Any]) -> str:
    """Older result files have no `last_writer_minutes`."""
    minutes = args.get("last_writer_minutes", 0)
    return (
        f", none in the last {minutes:g} min (one incarnation lives that long)" if minutes else ""
    )
