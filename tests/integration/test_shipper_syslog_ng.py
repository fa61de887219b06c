"""The real syslog-ng with deploy/shippers/syslog-ng/blueprintgraph.conf, end to end.

syslog-ng runs as a process; ingest_api runs as a process in direct mode (USE_KAFKA=false:
a 201 means committed in Neo4j, so the graph is final when the batch is answered) with
authentication on. Lines go in over a loopback TCP socket and through a followed file;
the graph must then hold exactly one Event per line with the entities the line names.
Then the same with the API killed mid-stream, and with answers lost after the API
committed (the case only an idempotent id survives).
"""

from __future__ import annotations

import http.server
import json
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Graph, Services
from tests.integration.processes import ServiceProcess, free_port, service_env, wait_for
from tests.integration.syslog_ng import SyslogNg, require_syslog_ng

API_KEY = "shipper-test-key-0123456789"


@dataclass(frozen=True)
class Line:
    host: str
    ip: str
    user: str
    text: str


def make_lines(tag: str, start: int, count: int) -> list[Line]:
    """sshd failures, each from its own host, address and user (RFC 3164)."""
    lines = []
    for i in range(start, start + count):
        host, ip = f"{tag}-h{i}", f"10.77.{i // 200}.{i % 200 + 1}"
        # Quotes and a backslash in the first user: the template must escape them.
        user = f'q"u\\o{i}' if i == 0 else f"user{i}"
        text = (
            f"<38>Mar 14 09:59:58 {host} sshd[{1000 + i}]: "
            f"Failed password for {user} from {ip} port {40000 + i} ssh2"
        )
        lines.append(Line(host, ip, user, text))
    return lines


def graph_events(graph: Graph, tag: str) -> list[dict[str, Any]]:
    """Every Event on one of this test's hosts, with the entities it links."""
    return graph.query(
        "MATCH (e:Event)-[:ON_DEVICE]->(h:Host) WHERE h.key STARTS WITH $prefix "
        "OPTIONAL MATCH (e)-[:HAS_SOURCE]->(ip:IP) "
        "OPTIONAL MATCH (e)-[:HAS_USER]->(u:User) "
        "RETURN e.id AS id, e.source_format AS source_format, e.class_uid AS class_uid, "
        "h.key AS host, h.event_count AS host_events, ip.key AS ip, u.key AS user",
        prefix=f"Host:{tag}-",
    )


def wait_for_events(graph: Graph, tag: str, count: int, timeout: float = 90) -> None:
    wait_for(lambda: len(graph_events(graph, tag)) >= count, timeout, f"{count} events")
    # One more batch-timeout (1 s) and a retry interval: nothing extra may arrive late.
    time.sleep(3)


def assert_exactly(graph: Graph, tag: str, lines: list[Line]) -> None:
    rows = graph_events(graph, tag)
    assert len(rows) == len(lines), f"{len(rows)} events for {len(lines)} lines"
    assert len({row["id"] for row in rows}) == len(lines)
    by_host = {row["host"]: row for row in rows}
    for line in lines:
        row = by_host[f"Host:{line.host}"]
        assert row["source_format"] == "syslog"
        assert row["class_uid"] == 3002
        assert row["ip"] == f"IP:{line.ip}"
        # A bare name is local to its host; `q"u\o0` reads as domain `q"u`, user `o0`.
        expected = (
            f"User:{line.user.lower()}"
            if "\\" in line.user
            else f"User@Host:{line.host}/{line.user}"
        )
        assert row["user"] == expected
        assert row["host_events"] == 1, "an entity counted one event twice"
        assert row["id"].startswith("sng-"), row["id"]


class Api:
    """ingest_api as a process on a fixed port, so it can be killed and started again."""

    def __init__(self, services: Services, log_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            **service_env(services, "unused", "unused"),
            "USE_KAFKA": "false",
            "AUTH_DISABLED": "false",
            "INGEST_API_KEYS": API_KEY,
            "RETRY_AFTER_S": "1",
            "INGEST_API_HOST": "127.0.0.1",
            "INGEST_API_PORT": str(self.port),
        }
        self.log_dir = log_dir
        self.starts = 0
        self.process = self._start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self) -> ServiceProcess:
        self.starts += 1
        log = self.log_dir / f"api-{self.port}-{self.starts}.log"
        process = ServiceProcess("ingest_api", self.env, self.port, log)
        process.wait_ready()
        return process

    def kill(self) -> None:
        self.process.signal(signal.SIGKILL)
        self.process.wait_exit(30)
        self.process.close()

    def restart(self) -> None:
        self.process = self._start()

    def close(self) -> None:
        self.process.close()


@pytest.fixture
def syslog_ng_binary() -> str:
    return require_syslog_ng()


@pytest.fixture
def api(services: Services, graph: Graph, tmp_path: Path) -> Iterator[Api]:
    running = Api(services, tmp_path)
    try:
        yield running
    finally:
        running.close()


def run_guarded(graph: Graph, scenario: Callable[[str], None], attempts: int = 3) -> None:
    """Run `scenario(tag)` with host names of its own, again if another session wiped the
    graph meanwhile (a shared Neo4j: the `graph` fixture of any test empties it). A sentinel
    node tells a foreign wipe from a real failure, which is re-raised at once."""
    for attempt in range(1, attempts + 1):
        tag = f"sng{uuid.uuid4().hex[:8]}"
        graph.query("CREATE (:ShipperTestSentinel {tag: $tag})", tag=tag)
        try:
            scenario(tag)
            return
        except AssertionError:
            wiped = not graph.query("MATCH (s:ShipperTestSentinel {tag: $tag}) RETURN s", tag=tag)
            if not wiped or attempt == attempts:
                raise


def start_syslog_ng(binary: str, workdir: Path, url: str) -> SyslogNg:
    shipper = SyslogNg(binary, workdir, url, API_KEY)
    shipper.wait_listening()
    return shipper


def test_lines_over_tcp_and_from_a_file_become_exactly_these_events(
    syslog_ng_binary: str, api: Api, graph: Graph, tmp_path: Path
) -> None:
    def scenario(tag: str) -> None:
        tcp_lines, file_lines = make_lines(tag, 0, 40), make_lines(tag, 40, 25)
        shipper = start_syslog_ng(syslog_ng_binary, tmp_path / tag, api.url)
        try:
            shipper.send_tcp([line.text for line in tcp_lines])
            shipper.append_to_file([line.text for line in file_lines])
            wait_for_events(graph, tag, len(tcp_lines) + len(file_lines))
            assert_exactly(graph, tag, tcp_lines + file_lines)
        finally:
            shipper.close()

    run_guarded(graph, scenario)


def test_api_killed_mid_stream_still_exactly_n_events(
    syslog_ng_binary: str, api: Api, graph: Graph, tmp_path: Path
) -> None:
    def scenario(tag: str) -> None:
        lines = make_lines(tag, 0, 150)
        shipper = start_syslog_ng(syslog_ng_binary, tmp_path / tag, api.url)
        try:
            with shipper.connect() as sock:
                for n, line in enumerate(lines):
                    if n == 50:
                        api.kill()  # SIGKILL: a batch may be committed but never answered
                    if n == 100:
                        time.sleep(1)
                        api.restart()
                    if n % 2 == 0:
                        shipper.append_to_file([line.text])
                    else:
                        sock.sendall(f"{line.text}\n".encode())
                    time.sleep(0.04)  # 50 lines over 2 s (and the restart) with the API down
            wait_for_events(graph, tag, len(lines))
            assert_exactly(graph, tag, lines)
            assert "trying again" in shipper.output(), "syslog-ng never had to retry"
        finally:
            shipper.close()

    run_guarded(graph, scenario)


class AnswerLosingProxy:
    """Forwards each batch to the API, and for the first `lose` answers tells syslog-ng 503
    instead: the events are stored, the shipper believes they are not and sends them again."""

    def __init__(self, target: str, lose: int) -> None:
        self.target = target
        self.lose = lose
        self.forwarded_items = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = urllib.request.Request(
                    proxy.target + self.path,
                    data=body,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, answer = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, exc.read()
                proxy.forwarded_items += len(json.loads(body))
                if status < 300 and proxy.lose > 0:
                    proxy.lose -= 1
                    status, answer = 503, b'{"error": "answer lost"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


def test_answers_lost_after_commit_are_retried_without_duplicates(
    syslog_ng_binary: str, api: Api, graph: Graph, tmp_path: Path
) -> None:
    def scenario(tag: str) -> None:
        lines = make_lines(tag, 0, 60)
        proxy = AnswerLosingProxy(api.url, lose=2)
        shipper = start_syslog_ng(syslog_ng_binary, tmp_path / tag, proxy.url)
        try:
            shipper.send_tcp([line.text for line in lines[:30]])
            shipper.append_to_file([line.text for line in lines[30:]])
            wait_for_events(graph, tag, len(lines))
            wait_for(lambda: proxy.lose == 0, 30, "both answers lost")
            assert_exactly(graph, tag, lines)
            # The lost batches reached the API twice: the ids, not luck, kept them single.
            assert proxy.forwarded_items > len(lines)
        finally:
            shipper.close()
            proxy.close()

    run_guarded(graph, scenario)
