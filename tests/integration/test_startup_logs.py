"""What a newcomer reads when the services start, as real processes on the real servers:
one "Running on" each, a Neo4j not up yet is one INFO line, not a warning, and a schema
already in place is not announced statement by statement."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from neo4j import GraphDatabase

from shared.neo4j_store.repository import SCHEMA
from tests.conftest import Services
from tests.integration.processes import free_port, start_api, start_writer


def _lines(text: str) -> list[dict[str, str]]:
    """The service's JSON log lines; anything else (a stray print) is kept as its text."""
    lines = []
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            lines.append({"level": "RAW", "message": raw})
    return lines


def test_each_service_says_running_on_once(services: Services, tmp_path: Path) -> None:
    topic = f"startup-{uuid.uuid4().hex[:8]}"
    api = start_api(services, topic, tmp_path)
    writer = start_writer(services, topic, f"{topic}-group", tmp_path)
    try:
        api.wait_ready()
        writer.wait_ready()
    finally:
        api.close()
        writer.close()
    for process in (api, writer):
        lines = _lines(process.log_path.read_text())
        running = [line for line in lines if "Running on" in line["message"]]
        assert len(running) == 1, running
        assert [line for line in lines if line["level"] == "RAW"] == []


def test_a_neo4j_not_up_yet_is_one_info_line(services: Services, tmp_path: Path) -> None:
    topic = f"startup-{uuid.uuid4().hex[:8]}"
    nothing_there = f"bolt://127.0.0.1:{free_port()}"
    writer = start_writer(
        services, topic, f"{topic}-group", tmp_path,
        NEO4J_URI=nothing_there, WRITER_BACKOFF_INITIAL_S="0.2", WRITER_BACKOFF_MAX_S="0.5",
    )  # fmt: skip
    try:
        # Several retries' worth: each of them must stay quiet.
        time.sleep(4)
    finally:
        writer.close()
    lines = _lines(writer.log_path.read_text())
    waiting = [line for line in lines if line["message"].startswith("waiting for Neo4j")]
    assert len(waiting) == 1, lines
    assert waiting[0]["level"] == "INFO"
    loud = [line for line in lines if line["level"] in ("WARNING", "ERROR", "CRITICAL")]
    assert loud == []


def test_a_schema_already_in_place_is_not_announced(services: Services, tmp_path: Path) -> None:
    # In place before the writer starts, as on every start but a database's first.
    auth = (services.neo4j_user, services.neo4j_password)
    with GraphDatabase.driver(services.neo4j_uri, auth=auth) as driver:
        for statement in SCHEMA:
            driver.execute_query(statement)
    topic = f"startup-{uuid.uuid4().hex[:8]}"
    writer = start_writer(services, topic, f"{topic}-group", tmp_path)
    try:
        writer.wait_ready()
    finally:
        writer.close()
    lines = _lines(writer.log_path.read_text())
    assert any("Running on" in line["message"] for line in lines), lines
    notices = [line for line in lines if line.get("logger", "").startswith("neo4j.notifications")]
    assert notices == []
