"""The compose stack in containers: health, the three formats, scaling with a killed writer,
graceful stop, Kafka and Neo4j outages, the observability profile. Each asserts on what
the system did: HTTP answers, nodes and counters in Neo4j, container exit codes."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request

from neo4j import Driver

from tests.compose.conftest import (
    HOST_PORTS,
    SERVICES,
    Stack,
    count_events,
    ocsf,
    run_tag,
    user_event_count,
)
from tests.integration.processes import wait_for


def _post_batch(stack: Stack, events: list[dict[str, object]]) -> int:
    answer = stack.request("POST", "/events/batch", events)
    assert answer.status in (200, 201, 202, 207), answer
    return answer.status


def _all_in_graph(neo4j: Driver, ids: list[str], timeout: float = 180) -> None:
    wait_for(lambda: count_events(neo4j, ids) == len(ids), timeout, f"{len(ids)} events in Neo4j")


def test_every_service_but_the_kafka_ui_comes_up_healthy(running: Stack) -> None:
    for service in SERVICES:
        for container in running.container_ids(service) or [""]:
            assert container, f"{service} has no container"
            state = running.inspect(container)["State"]
            if service == "kafka-init":
                assert state["Status"] == "exited"
                assert state["ExitCode"] == 0
            else:
                assert state["Status"] == "running", (service, state)
                assert state["Health"]["Status"] == "healthy", (service, state["Health"])


def test_ocsf_cef_and_syslog_reach_neo4j_and_get_events(running: Stack, neo4j: Driver) -> None:
    tag = run_tag()
    envelopes = [
        ocsf(f"ocsf-{tag}", f"alice-{tag}"),
        {
            "id": f"cef-{tag}",
            "source_format": "cef",
            "event": "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|"
            "src=10.0.0.1 dst=10.0.0.2 spt=1232 suser=bob",
        },
        {
            "id": f"syslog-{tag}",
            "source_format": "syslog",
            "event": "<34>1 2024-03-14T10:00:00Z host1 sshd 123 - - "
            "Failed password for root from 10.0.0.5 port 22 ssh2",
        },
    ]
    ids = []
    for envelope in envelopes:
        answer = running.request("POST", "/events", envelope)
        assert answer.status == 202, answer
        assert answer.body["id"] == envelope["id"]
        ids.append(envelope["id"])
    _all_in_graph(neo4j, ids, timeout=60)
    for event_id in ids:
        got = running.request("GET", f"/events/{event_id}")
        assert got.status == 200, got
        assert got.body["id"] == event_id


def test_two_writers_one_killed_midway_every_event_exactly_once(
    running: Stack, neo4j: Driver
) -> None:
    running.compose(
        "up", "-d", "--wait", "--no-recreate", "--scale", "graph_writer=2", "graph_writer"
    )
    writers = running.container_ids("graph_writer")
    assert len(writers) == 2
    tag = run_tag()
    events = [ocsf(f"scale-{tag}-{i}", f"scale-{tag}") for i in range(2000)]
    ids = [str(e["id"]) for e in events]
    for start in range(0, 1000, 200):
        assert _post_batch(running, events[start : start + 200]) == 202
    # One writer dies hard in the middle: its uncommitted batches go to the other.
    wait_for(lambda: count_events(neo4j, ids) > 0, 60, "the writers to start writing")
    subprocess.run(["docker", "kill", writers[0]], check=True, capture_output=True)
    for start in range(1000, 2000, 200):
        assert _post_batch(running, events[start : start + 200]) == 202
    _all_in_graph(neo4j, ids)
    assert count_events(neo4j, ids) == 2000
    assert user_event_count(neo4j, ids[0]) == 2000
    # Back to one healthy writer for the tests that follow.
    running.compose("up", "-d", "--wait", "--scale", "graph_writer=1", "graph_writer")


def test_graceful_stop_under_load_exits_0_and_duplicates_nothing(
    running: Stack, neo4j: Driver
) -> None:
    (writer,) = running.container_ids("graph_writer")
    # PID 1 of the writer's container is the writer itself, so `stop`'s SIGTERM reaches it.
    cmdline = running.compose(
        "exec",
        "-T",
        "graph_writer",
        "python",
        "-c",
        "print(open('/proc/1/cmdline').read().replace(chr(0), ' '))",
    ).stdout
    assert "-m graph_writer" in cmdline
    tag = run_tag()
    events = [ocsf(f"stop-{tag}-{i}", f"stop-{tag}") for i in range(1500)]
    ids = [str(e["id"]) for e in events]
    sent: list[str] = []

    def load() -> None:
        for start in range(0, len(events), 100):
            chunk = events[start : start + 100]
            _post_batch(running, chunk)
            sent.extend(str(e["id"]) for e in chunk)
            time.sleep(0.05)

    loader = threading.Thread(target=load)
    loader.start()
    wait_for(lambda: count_events(neo4j, ids) > 100, 60, "the writer to be writing")
    started = time.monotonic()
    running.compose("stop", "graph_writer")
    stop_s = time.monotonic() - started
    state = running.inspect(writer)["State"]
    assert state["ExitCode"] == 0, state
    assert stop_s < 30, f"stop took {stop_s:.1f}s: the writer did not act on SIGTERM"
    loader.join(timeout=120)
    running.up("graph_writer")
    _all_in_graph(neo4j, ids)
    assert sent == ids
    assert user_event_count(neo4j, ids[0]) == len(ids)


def test_kafka_stopped_api_writes_directly_then_returns_to_kafka(
    running: Stack, neo4j: Driver
) -> None:
    tag = run_tag()
    ids: list[str] = []
    statuses: list[int] = []

    def post_one() -> int:
        event = ocsf(f"kafka-{tag}-{len(ids)}", f"kafka-{tag}")
        answer = running.request("POST", "/events", event)
        assert answer.status in (201, 202, 503), answer
        if answer.status != 503:
            ids.append(str(event["id"]))
        statuses.append(answer.status)
        return answer.status

    running.compose("stop", "kafka")
    try:
        wait_for(lambda: post_one() == 201, 90, "a direct write (201)")
    finally:
        running.compose("start", "kafka")
    wait_for(lambda: post_one() == 202, 180, "Kafka again (202)")
    assert 201 in statuses
    assert statuses[-1] == 202
    _all_in_graph(neo4j, ids)
    running.up(*SERVICES)


def test_writer_not_ready_while_neo4j_is_down_and_ready_after_without_restart(
    running: Stack,
) -> None:
    (writer,) = running.container_ids("graph_writer")
    before = running.inspect(writer)["State"]["StartedAt"]
    assert running.writer_ready(writer) == 200
    running.compose("stop", "neo4j")
    try:
        wait_for(lambda: running.writer_ready(writer) == 503, 120, "writer not ready")
    finally:
        running.compose("start", "neo4j")
    wait_for(lambda: running.writer_ready(writer) == 200, 180, "writer ready again")
    after = running.inspect(writer)
    assert after["State"]["StartedAt"] == before
    assert after["RestartCount"] == 0
    running.up(*SERVICES)


def test_observability_prometheus_scrapes_both_services_and_loads_the_rules(
    running: Stack,
) -> None:
    running.up("prometheus", extra=("--profile", "observability"))
    base = f"http://127.0.0.1:{HOST_PORTS['PROMETHEUS_HOST_PORT']}"

    def targets() -> dict[str, str]:
        with urllib.request.urlopen(base + "/api/v1/targets", timeout=10) as resp:
            active = json.load(resp)["data"]["activeTargets"]
        return {t["labels"]["job"]: t["health"] for t in active}

    wait_for(
        lambda: {"ingest_api", "graph_writer"} <= {j for j, h in targets().items() if h == "up"},
        120,
        "both services scraped up",
    )
    with urllib.request.urlopen(base + "/api/v1/rules", timeout=10) as resp:
        groups = json.load(resp)["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert rules, "no alert rule loaded"
    assert all(r.get("health") in ("ok", "unknown") for r in rules), rules
