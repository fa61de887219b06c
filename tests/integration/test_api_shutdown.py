"""SIGTERM on ingest_api: in-flight requests finish, acknowledged events are in Kafka, exit 0."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import Services
from tests.integration.kafka_helpers import read_all
from tests.integration.processes import start_api


def post_batch(url: str, ids: list[str]) -> int:
    body = json.dumps([{"id": i, "event": {"class_uid": 4001}} for i in ids]).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError | BrokenPipeError | ConnectionResetError):
            # Refused, or reset while still queued for accept() when the listener closed.
            return 0  # the server had stopped accepting: fine
        return -1  # cut off mid-request: the drain failed
    except (BrokenPipeError, ConnectionResetError):
        return 0  # queued connection reset as the listener closed, before any request was read
    except OSError:
        return -1


def test_sigterm_drains_in_flight_requests(services: Services, topic: str, tmp_path: Path) -> None:
    api = start_api(services, topic, tmp_path)
    try:
        api.wait_ready()
        acknowledged: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        statuses: list[int] = []

        def client(worker: int) -> None:
            n = 0
            while not stop.is_set():
                ids = [f"w{worker}-{n}-{k}" for k in range(200)]
                n += 1
                status = post_batch(api.url("/events/batch"), ids)
                with lock:
                    statuses.append(status)
                if status == 202:
                    with lock:
                        acknowledged.extend(ids)
                if status != 202:
                    return

        threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        api.signal(signal.SIGTERM)
        code = api.wait_exit(30)
        stop.set()
        for t in threads:
            t.join(30)
        assert code == 0, api.log()
        # Every request got its answer or was refused at the door; none was cut off.
        assert set(statuses) <= {202, 0}, statuses
        assert acknowledged
        in_kafka = asyncio.run(
            read_all(services.kafka_bootstrap, topic, expected=len(acknowledged), timeout_ms=5000)
        )
        keys = {r.key.decode() for r in in_kafka}
        assert set(acknowledged) <= keys
    finally:
        api.close()
