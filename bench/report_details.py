"""The per-stage paragraphs under the results table of docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _cpu_text(cpu: dict[str, float]) -> str:
    parts = [
        f"{k.removesuffix('_cpu_pct')} {v:.0f}%" for k, v in cpu.items() if k != "machine_busy_pct"
    ]
    if "machine_busy_pct" in cpu:
        parts.append(f"whole machine {cpu['machine_busy_pct']:.0f}% of all cores")
    return ", ".join(parts)


def _us_per_request(cpu_pct: float, req_per_s: float) -> float:
    return 1e4 * cpu_pct / req_per_s if req_per_s else 0.0


def _ladder_text(d: dict[str, Any]) -> str:
    """Server CPU per request along the ladder trivial -> ingest_api (stage 1)."""
    steps = []
    last = {k: d["runs"][k][-1] for k in ("trivial", "ingest")}
    steps.append(
        ("trivial app", last["trivial"]["cpu"]["server_cpu_pct"], last["trivial"]["req_per_s"])
    )
    for name, label in (
        ("middleware", "+ request-id and metrics middleware"),
        ("intake", "+ parse/validate/map/encode/echo (no Kafka)"),
    ):
        step = d.get("ladder", {}).get(name)
        if step and "error" not in step:
            steps.append((label, step["server_cpu_pct"], step["req_per_s"]))
    steps.append(
        (
            "ingest_api (+ Kafka send and ack)",
            last["ingest"]["cpu"]["server_cpu_pct"],
            last["ingest"]["req_per_s"],
        )
    )
    parts = [f"{label} {_us_per_request(cpu, rps):.0f}" for label, cpu, rps in steps]
    return (
        "Server CPU per request (us), from the trivial app to ingest_api: " + "; ".join(parts) + "."
    )


def _stage1(d: dict[str, Any]) -> str:
    text = (
        f"{d['connections']} keep-alive connections, closed loop, {d['rounds']} interleaved "
        f"rounds of {d['seconds_per_run']:.0f} s (medians). CPU (100% = one core) during the "
        f"last ingest run: {_cpu_text(d['ingest']['cpu'])}, load generator "
        f"{d['ingest']['client_cpu_pct']:.0f}%; trivial run: {_cpu_text(d['trivial']['cpu'])}, "
        f"load generator {d['trivial']['client_cpu_pct']:.0f}%."
    )
    text += " " + _ladder_text(d)
    return text


def _stage2(d: dict[str, Any]) -> str:
    text = (
        f"{d['concurrent_requests']} concurrent batches of 500. Ingest p50/p99 per request "
        f"{d['ingest']['p50_ms']:.0f}/{d['ingest']['p99_ms']:.0f} ms, CPU "
        f"{_cpu_text(d['ingest']['cpu'])}, load generator {d['ingest']['client_cpu_pct']:.0f}%. "
        f"Bare producer p50/p99 per 500 {d['bare_p50_ms_per_500']:.0f}/"
        f"{d['bare_p99_ms_per_500']:.0f} ms, CPU (harness = the producer process) "
        f"{_cpu_text(d['bare_cpu'])}."
    )
    return text


# Stage 3's graph_writer drains: the key of each in the details, how the prose and the
# cost table name it. The capped ones are missing from runs without a writable cgroup.
_WRITER_DRAINS = (
    ("writers_1", "one writer", "x1"),
    ("writers_2", "two writers", "x2"),
    ("writers_1_capped", "one capped writer", "x1, capped"),
    ("writers_2_capped", "two capped writers", "x2, capped"),
)


def writer_drains(d: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(prose name, table name, run) of each drain the stage-3 details hold."""
    return [(name, short, d[key]) for key, name, short in _WRITER_DRAINS if key in d]


def writer_cpu_pct(run: dict[str, Any]) -> float:
    """All the run's writers together, in % of a core."""
    return float(sum(v for k, v in run["cpu"].items() if k.startswith("writer")))


def _stage3(d: dict[str, Any]) -> str:
    sweep = ", ".join(f"{k}: {v:,.0f}" for k, v in d["sweep_events_per_s"].items())
    w1, w2 = d["writers_1"], d["writers_2"]
    wb = d[f"writers_1_batch_{d['best_batch_size']}"]
    text = (
        f"Baseline sweep on the first {d['sweep_events']:,} events (events/s by batch "
        f"size): {sweep}; full baseline at {d['best_batch_size']}: CPU "
        f"{_cpu_text(d['baseline_cpu'])}. One writer "
        f"(WRITER_BATCH_SIZE {d['writer_batch_size']}): {w1['seconds']} s, CPU {_cpu_text(w1['cpu'])}. Two "
        f"writers: {w2['events_per_s']:,.0f} events/s in {w2['seconds']} s, CPU "
        f"{_cpu_text(w2['cpu'])}. One writer at WRITER_BATCH_SIZE={d['best_batch_size']}: "
        f"{wb['events_per_s']:,.0f} events/s = {100 * d['one_writer_at_best_batch_ratio']:.1f}% "
        f"of the baseline, CPU {_cpu_text(wb['cpu'])}. One writer at {d['writer_batch_size']} "
        f"vs the baseline at that size (sweep): "
        f"{100 * (d.get('one_writer_vs_baseline_at_default') or 0):.1f}%. "
        f"Pre-fill took {d['prefill_seconds']} s."
    )
    costs = []
    if "two_vs_one_capped" in d:
        c1, c2 = d["writers_1_capped"], d["writers_2_capped"]
        text += (
            f" Writers capped at {d['writer_cpu_cap_cores']:g} of a core each (a cpu cgroup, "
            f"as a pod's CPU limit), draining half the topic: one {c1['events_per_s']:,.0f} "
            f"events/s, CPU {_cpu_text(c1['cpu'])}; two {c2['events_per_s']:,.0f} events/s, "
            f"CPU {_cpu_text(c2['cpu'])}."
        )
    elif "capped_unavailable" in d:
        text += f" Capped writers not measured: {d['capped_unavailable']}."
    for name, _, run in writer_drains(d):
        rate = run["events_per_s"]
        writer = writer_cpu_pct(run)
        neo4j = run["cpu"].get("neo4j_cpu_pct")
        if rate and neo4j is not None:
            costs.append(
                f"{name} {1e4 * neo4j / rate:.0f} us of Neo4j CPU and "
                f"{1e4 * writer / rate:.0f} us of writer CPU per event"
            )
    if costs:
        text += " Per written event: " + "; ".join(costs) + "."
    return text


def _stage4(d: dict[str, Any]) -> str:
    text = ""
    capacity = d.get("capacity")
    if capacity:
        text = (
            f"Capacity first: with the API offered all it takes (closed loop, 32 "
            f"connections), the writer committed {capacity['events_per_s']:,.0f} events/s "
            f"over {capacity['measured_s']} s (the API accepted "
            f"{capacity['api_events_per_s']:,.0f}/s); its backlog drained in "
            f"{capacity['drain_s']} s. At 70% of it: "
        )
    text += _stage4_run(d)
    light = d.get("light")
    if light:
        text += (
            f" Before it, at {light['offered_events_per_s']:,.0f} events/s offered: "
            + _stage4_run(light)
        )
    return text


def _stage4_run(d: dict[str, Any]) -> str:
    freshness = ""
    if "freshness_p99_ms" in d:
        freshness = (
            f"Received -> committed (graph_writer_event_freshness_seconds, "
            f"{d['freshness_events']:,} events) p50/p99 "
            f"{d['freshness_p50_ms']}/{d['freshness_p99_ms']} ms. Cross-check, "
        )
    poll_ms = round(1000 * d.get("visibility_poll_s", 0.02))
    return (
        f"{d['events_measured']:,} events measured at {_stage4_rate(d)} achieved (open "
        f"loop). {freshness}Ack -> visible p50/p99/max "
        f"{d['ack_to_visible_p50_ms']}/{d['ack_to_visible_p99_ms']}/"
        f"{d['ack_to_visible_max_ms']} ms; send -> visible p50/p99 "
        f"{d['send_to_visible_p50_ms']}/{d['send_to_visible_p99_ms']} ms; POST p50/p99 "
        f"{d['post_p50_ms']}/{d['post_p99_ms']} ms; never visible: "
        f"{d['events_not_visible_after_15s']}; visibility poll every {poll_ms} ms, mean query "
        f"{d['poll_query_ms_mean']} ms (latencies are upper bounds by up to one poll). "
        f"WRITER_BATCH_WAIT_MS={d['writer_batch_wait_ms']}; writer mean batch "
        f"{d['writer_mean_batch']} events, mean Neo4j write {d['writer_mean_write_ms']} ms. "
        f"CPU {_cpu_text(d['cpu'])}, "
        f"load generator {d['client_cpu_pct']:.0f}%." + _checkpoint_text(d.get("neo4j_checkpoints"))
    )


def _checkpoint_text(found: list[dict[str, Any]] | None) -> str:
    if found is None:
        return ""  # runs before checkpoints were read, or a Neo4j whose log is elsewhere
    if not found:
        return " No Neo4j checkpoint during it."
    each = ", ".join(f"{c['database']} {c['seconds']} s at {c['started'][11:19]}" for c in found)
    return f" Neo4j checkpoints during it (commits stall while one runs): {each}."


def _stage4_rate(d: dict[str, Any]) -> str:
    per_request = d.get("events_per_request", 1)
    if per_request == 1:  # runs before batches were offered
        return f"{d['achieved_req_per_s']:,.0f} req/s (single-event POSTs)"
    return (
        f"{d['achieved_events_per_s']:,.0f} events/s ({d['achieved_req_per_s']:,.0f} "
        f"POST /events/batch of {per_request} per second)"
    )


def _stage5(d: dict[str, Any]) -> str:
    text = (
        f"{d['concurrent_requests']} concurrent batches of 500; ingest p50/p99 per request "
        f"{d['ingest']['p50_ms']:.0f}/{d['ingest']['p99_ms']:.0f} ms, CPU "
        f"{_cpu_text(d['ingest']['cpu'])}; baseline CPU {_cpu_text(d['baseline_cpu'])}."
    )
    return text


def _stage6(d: dict[str, Any]) -> str:
    text = (
        f"{d['rounds']} rounds of {d['seconds_per_run']:.0f} s each way, alternating which "
        f"goes first; per-round on/off ratios {d['per_round_ratio']}."
    )
    return text


def _stage7(d: dict[str, Any]) -> str:
    parts = [
        f"{name} {m['events_per_s']:,.0f} events/s, {m['neo4j_us_per_event']:.0f} us of Neo4j "
        f"CPU and {m['client_us_per_event']:.0f} us of client CPU per event"
        for name, m in d["median"].items()
    ]
    text = (
        f"{d['events']:,} events written on an empty graph by each variant, batches of "
        f"{d['batch']:,}, {d['concurrency']} at a time, after a warm-up of "
        f"{d['warmup_events']:,} events per variant; {d['rounds']} round(s), order "
        f"alternated, medians: " + "; ".join(parts) + ". The floor is bench/floor.py (not "
        "idempotent); `before` is the write as it was before issue 17 (also bench/floor.py)."
    )
    if d.get("before_vs_after_neo4j"):
        text += (
            f" Neo4j CPU per event, before / after: {d['before_vs_after_neo4j']:.2f}x; "
            f"events/s, after / before: {d['after_vs_before_events_per_s']:.2f}x."
        )
    return text


_STAGES: dict[int, Callable[[dict[str, Any]], str]] = {
    1: _stage1,
    2: _stage2,
    3: _stage3,
    4: _stage4,
    5: _stage5,
    6: _stage6,
    7: _stage7,
}


def details_md(results: list[dict[str, Any]]) -> str:
    return "\n\n".join(
        f"**Stage {r['stage']}.** " + _STAGES[r["stage"]](r["details"])
        for r in results
        if "error" not in r
    )
