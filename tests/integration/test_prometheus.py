"""The real Prometheus (Debian's `prometheus` package) scraping running services.

Prometheus runs as a process with the project's deploy/observability/prometheus.yml, its
compose targets (a static name and DNS discovery) swapped for static loopback targets, its
bearer key file and its alert rules kept. The targets, all real processes:

- ingest_api in Kafka mode (Kafka send latency) and in direct mode (direct Neo4j writes),
- ingest_api with MAX_IN_FLIGHT_EVENTS=1, so concurrent requests get a real 429,
- ingest_api whose Kafka is unreachable and whose fallback is off: a real 503 and an open
  breaker,
- graph_writer, consuming what the Kafka-mode APIs produced.

After that traffic every target is up and every dashboard query and every alert's signal
(tests/observability_queries.py) returns series.
"""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import yaml

from tests.conftest import Services
from tests.integration.processes import (
    ServiceProcess,
    free_port,
    http_status,
    start_api,
    start_writer,
    wait_for,
)
from tests.observability_queries import (
    PROMETHEUS_YML,
    RULES_DIR,
    alert_rules,
    alert_signals,
    dashboard_queries,
)
from tests.programs import require_program

API_KEY = "prometheus-test-key-0123456789"


def post(api: ServiceProcess, path: str, payload: Any) -> int:
    request = urllib.request.Request(
        api.url(path),
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": API_KEY},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def envelope(tag: str, n: int) -> dict[str, Any]:
    return {
        "id": f"{tag}-{n}",
        "event": {
            "class_uid": 3002,
            "time": "2024-03-14T10:00:00Z",
            "src": {"type": "IP", "id": f"10.88.{n // 200}.{n % 200 + 1}"},
        },
    }


class Prometheus:
    def __init__(self, binary: str, workdir: Path, scrape: dict[str, list[str]]) -> None:
        self.port = free_port()
        key_file = workdir / "ingest_api_metrics_key"
        key_file.write_text(API_KEY)
        config = yaml.safe_load(PROMETHEUS_YML.read_text())
        config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
        config["rule_files"] = [str(RULES_DIR / "*.yml")]
        for job in config["scrape_configs"]:
            job.pop("dns_sd_configs", None)
            job["static_configs"] = [{"targets": scrape[job["job_name"]]}]
            if "authorization" in job:
                job["authorization"]["credentials_file"] = str(key_file)
        config_file = workdir / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config))
        self._log_path = workdir / "prometheus.log"
        self._log: IO[bytes] = self._log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config_file}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited:\n{self.log()}")
            return http_status(f"http://127.0.0.1:{self.port}/-/ready") == 200

        wait_for(ready, timeout, "prometheus ready")

    def query(self, expr: str) -> list[dict[str, Any]]:
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": expr}
        )
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", (expr, body)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def log(self) -> str:
        self._log.flush()
        return self._log_path.read_text(errors="replace")[-4000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log.close()


def answers(url: str) -> Callable[[], bool]:
    return lambda: http_status(url) == 200


@pytest.fixture
def prometheus_binary() -> str:
    return require_program("prometheus")


@pytest.fixture
def targets(services: Services, topic: str, tmp_path: Path) -> Iterator[dict[str, ServiceProcess]]:
    def api(**extra: str) -> ServiceProcess:
        return start_api(
            services,
            topic,
            tmp_path,
            tls_context=None,
            AUTH_DISABLED="false",
            INGEST_API_KEYS=API_KEY,
            **extra,
        )

    started: dict[str, ServiceProcess] = {}
    try:
        started["writer"] = start_writer(services, topic, f"prom-{topic}", tmp_path)
        started["kafka"] = api()
        started["direct"] = api(USE_KAFKA="false")
        started["throttled"] = api(
            MAX_IN_FLIGHT_EVENTS="1",
            MAX_BATCH_ITEMS="1",
            KAFKA_LINGER_MS="300",  # each send waits this long: a second request meets 429
        )
        started["no_kafka"] = api(
            KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}",
            FALLBACK_ENABLED="false",
            KAFKA_SEND_TIMEOUT_S="1",
        )
        for name, process in started.items():
            if name == "no_kafka":  # never ready: it can store nothing, by design
                wait_for(answers(process.url("/health")), 60, name)
            else:
                process.wait_ready()
        yield started
    finally:
        for process in started.values():
            process.close()


def make_traffic(apis: dict[str, ServiceProcess]) -> None:
    tag = f"prom-{uuid.uuid4().hex[:8]}"
    for n in range(20):
        assert post(apis["kafka"], "/events", envelope(tag, n)) == 202
    assert post(apis["kafka"], "/events/batch", [envelope(tag, n) for n in range(20, 25)]) == 202
    for n in range(25, 35):
        assert post(apis["direct"], "/events", envelope(tag, n)) == 201
    assert post(apis["no_kafka"], "/events", envelope(tag, 99)) == 503

    statuses: list[int] = []
    for attempt in range(10):
        threads = [
            threading.Thread(
                target=lambda n=100 + 10 * attempt + n: statuses.append(
                    post(apis["throttled"], "/events", envelope(tag, n))
                )
            )
            for n in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        if 429 in statuses:
            break
    assert 429 in statuses, statuses


def test_prometheus_scrapes_every_target_and_every_query_has_data(
    prometheus_binary: str, targets: dict[str, ServiceProcess], tmp_path: Path
) -> None:
    writer = targets.pop("writer")
    scrape = {
        "ingest_api": [f"127.0.0.1:{api.port}" for api in targets.values()],
        "graph_writer": [f"127.0.0.1:{writer.port}"],
    }
    prometheus = Prometheus(prometheus_binary, tmp_path, scrape)
    try:
        prometheus.wait_ready()

        def all_up() -> bool:
            up = {
                (r["metric"]["job"], r["metric"]["instance"]): r["value"][1]
                for r in prometheus.query("up")
            }
            expected = {(job, target) for job, found in scrape.items() for target in found}
            return set(up) == expected and all(value == "1" for value in up.values())

        wait_for(all_up, 60, f"up == 1 for every target:\n{prometheus.log()}")

        make_traffic(targets)
        wait_for(
            lambda: bool(prometheus.query("graph_writer_events_written_total > 0")),
            60,
            "graph_writer to write the Kafka events",
        )

        queries = dashboard_queries() + [
            (f"alert {rule['alert']}", signal)
            for rule in alert_rules()
            for signal in alert_signals(rule["expr"])
        ]
        # Every alert as written is valid PromQL for this Prometheus.
        for rule in alert_rules():
            prometheus.query(rule["expr"])

        # rate() needs two samples after the traffic: a few scrapes more.
        empty: list[tuple[str, str]] = []

        def every_query_has_series() -> bool:
            empty[:] = [(where, q) for where, q in queries if not prometheus.query(q)]
            return not empty

        try:
            wait_for(every_query_has_series, 60, "every query to return series")
        except AssertionError:
            raise AssertionError(f"queries without series: {empty}") from None
        # And the targets stayed up through it.
        assert all_up()
    finally:
        prometheus.close()
        targets["writer"] = writer
