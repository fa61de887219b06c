"""One event followed by its request id: HTTP answer -> Kafka header -> writer log -> graph."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from tests.conftest import Graph, Services
from tests.integration.kafka_helpers import read_all
from tests.integration.processes import ServiceProcess, start_api, start_writer, wait_for


def post_event(api: ServiceProcess, body: dict[str, Any], request_id: str) -> tuple[int, str, Any]:
    request = urllib.request.Request(
        api.url("/events"),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": request_id},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers["X-Request-ID"], json.loads(response.read())


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, dict):
            lines.append(parsed)
    return lines


def find(path: Path, **fields: Any) -> dict[str, Any] | None:
    for line in json_lines(path):
        if all(line.get(k) == v for k, v in fields.items()):
            return line
    return None


def test_request_id_follows_the_event_into_the_writer_log_and_the_dlq(
    services: Services, graph: Graph, topic: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:10]
    request_id, event_id = f"trace-{tag}", f"traced-{tag}"
    dlq_request_id, dlq_event_id = f"trace-dlq-{tag}", f"dead-{tag}"
    # Must never reach a log line at any level: it stands for an event's content.
    marker = f"payload-marker-{tag}"
    writer = start_writer(
        services, topic, f"trace-{topic}", tmp_path, LOG_LEVEL="DEBUG", WRITER_RECORD_ATTEMPTS="2"
    )
    api = start_api(services, topic, tmp_path)
    try:
        writer.wait_ready()
        api.wait_ready()
        status, echoed, body = post_event(
            api,
            {
                "id": event_id,
                "event": {"class_uid": 3002, "message": marker, "user": {"uid": "u1"}},
            },
            request_id,
        )
        assert (status, echoed, body["id"]) == (202, request_id, event_id)
        # Accepted (the mapping allows it) but Neo4j refuses to index a key this long.
        status, echoed, _ = post_event(
            api,
            {"id": dlq_event_id, "event": {"class_uid": 1, "user": {"uid": "u" * 40_000}}},
            dlq_request_id,
        )
        assert (status, echoed) == (202, dlq_request_id)

        wait_for(
            lambda: graph.value("MATCH (e:Event {id: $id}) RETURN count(e) AS c", id=event_id) == 1,
            60,
            "the traced event in the graph",
        )
        wait_for(
            lambda: (
                find(writer.log_path, message="event written", request_id=request_id) is not None
            ),
            30,
            "the writer's DEBUG line for the traced event",
        )
        written = find(writer.log_path, message="event written", request_id=request_id)
        assert written is not None
        assert written["level"] == "DEBUG"
        assert written["event_id"] == event_id
        assert isinstance(written["partition"], int)
        assert isinstance(written["offset"], int)

        batches = [
            line
            for line in json_lines(writer.log_path)
            if line.get("message") == "batch written" and line["level"] == "INFO"
        ]
        covering = [
            b
            for b in batches
            if str(written["partition"]) in b["offsets"]
            and b["offsets"][str(written["partition"])][0]
            <= written["offset"]
            <= b["offsets"][str(written["partition"])][1]
        ]
        assert len(covering) == 1, batches
        assert covering[0]["count"] >= 1
        assert covering[0]["duration_ms"] >= 0

        (dead,) = asyncio.run(read_all(services.kafka_bootstrap, f"{topic}-dlq", expected=1))
        assert dead.key == dlq_event_id.encode()
        assert dict(dead.headers)["request-id"] == dlq_request_id.encode()
        wait_for(
            lambda: find(writer.log_path, message="record dead-lettered") is not None,
            30,
            "the writer's dead-letter line",
        )
        dead_line = find(writer.log_path, message="record dead-lettered")
        assert dead_line is not None
        assert dead_line["level"] == "WARNING"
        assert (dead_line["request_id"], dead_line["event_id"]) == (dlq_request_id, dlq_event_id)
        assert find(writer.log_path, message="event written", event_id=dlq_event_id) is None
    finally:
        writer.close()
        api.close()
    for log in (writer.log_path, api.log_path):
        text = log.read_text(errors="replace")
        assert marker not in text, f"event content in {log.name}"
        assert "u" * 1000 not in text, f"event content in {log.name}"
        assert services.neo4j_password not in text, f"the Neo4j password in {log.name}"
