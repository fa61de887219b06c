"""HTTP/1.1 keep-alive load generator, run as its own process by the harness.

`python -m bench.httpload '<json spec>'` (see `LoadSpec`). Raw asyncio streams on
uvloop: no system package (wrk, hey) is needed, every request's latency is recorded
exactly, and the per-request client cost stays small. It still shares the machine's
cores with the server under test, which the report states.

Protocol on stdout, one line each:
  START <monotonic>                    first request about to be sent
  A <event_id> <t_sched> <t_ack>       (open loop with emit_acks) one acknowledged event
  RESULT <json>                        the statistics; always the last line

Times are `time.monotonic()`, which is system-wide on Linux, so the harness can compare
them with its own clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvloop

from bench.events import batch_bytes, envelope_bytes, serialized_pool


@dataclass
class LoadSpec:
    port: int
    path: str = "/events"
    host: str = "127.0.0.1"
    connections: int = 16
    mode: str = "closed"  # closed: each connection sends as soon as it has its answer
    rate: float = 0.0  # open loop: requests per second, scheduled regardless of answers
    duration_s: float = 8.0
    warmup_s: float = 1.0
    max_requests: int = 10_000_000
    events_per_request: int = 1  # 1: a single envelope; >1: a JSON array (/events/batch)
    seed: int = 42
    pool: int = 5_000
    id_prefix: str = "ev"
    expect: tuple[int, ...] = (201, 202)
    emit_acks: bool = False
    api_key: str = ""  # sent as `Authorization: Bearer <key>` when set
    # 0: wait forever. Otherwise a request without an answer in time counts as an error
    # and its connection is replaced, so one stuck request cannot stall a long run.
    request_timeout_s: float = 0.0


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    done_in_window: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str = ""
    issued: int = 0


class _Connection:
    """One keep-alive connection; reopened when the server closes it (hypercorn closes a
    connection after `keep_alive_max_requests`, 1000 by default, as real servers do)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            await self.open()
            self.reconnects += 1
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(head + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        lower = header.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.index(b"\r\n", at + 2)
            payload = await self.reader.readexactly(int(lower[at + 17 : end]))
        elif b"transfer-encoding: chunked" in lower:
            payload = await self._chunked()
        else:
            payload = b""
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, payload

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await self.reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(data[:-2])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class LoadGenerator:
    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        self._pool = serialized_pool(spec.seed, spec.pool)
        self._tally = _Tally()
        self._out = sys.stdout
        self._acks: list[str] = []
        self._window_start = 0.0
        auth = f"Authorization: Bearer {spec.api_key}\r\n" if spec.api_key else ""
        self._head_prefix = (
            f"POST {spec.path} HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n{auth}"
            "Content-Type: application/json\r\n"
        ).encode()
        self._last_done = 0.0

    def _body(self, i: int) -> tuple[list[str], bytes]:
        k = self.spec.events_per_request
        pool = self._pool
        if k == 1:
            event_id = f"{self.spec.id_prefix}-{i}"
            return [event_id], envelope_bytes(event_id, pool[i % len(pool)])
        ids = [f"{self.spec.id_prefix}-{n}" for n in range(i * k, (i + 1) * k)]
        return ids, batch_bytes(ids, [pool[n % len(pool)] for n in range(i * k, (i + 1) * k)])

    def _head(self, length: int) -> bytes:
        return self._head_prefix + f"Content-Length: {length}\r\n\r\n".encode()

    async def _connect(self) -> _Connection:
        conn = _Connection(self.spec.host, self.spec.port)
        await conn.open()
        return conn

    def _error(self, kind: str, detail: str, n: int = 1) -> None:
        tally = self._tally
        tally.errors[kind] = tally.errors.get(kind, 0) + n
        if not tally.first_error:
            tally.first_error = detail[:300]

    async def _one(self, conn: _Connection, i: int, t_sched: float | None) -> None:
        ids, body = self._body(i)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.spec.request_timeout_s or None):
                status, payload = await conn.request(self._head(len(body)), body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            # TimeoutError is an OSError. The answer is lost, so the ids count as
            # unacknowledged; a fresh connection serves the next request.
            conn.close()
            self._error(f"connection:{type(exc).__name__}", repr(exc))
            return
        done = time.monotonic()
        tally = self._tally
        if status not in self.spec.expect:
            self._error(str(status), payload[:300].decode(errors="replace"))
            return
        if self.spec.events_per_request > 1 and self.spec.emit_acks:
            ids = self._accepted_in_batch(ids, payload)
        if self.spec.emit_acks:
            sched = started if t_sched is None else t_sched
            self._acks.extend(f"A {event_id} {sched:.6f} {done:.6f}\n" for event_id in ids)
        if done >= self._window_start:
            tally.done_in_window += 1
            # Open loop: from the scheduled time, so queueing in the client counts too.
            tally.latencies.append(done - (started if t_sched is None else t_sched))
            self._last_done = done

    def _accepted_in_batch(self, ids: list[str], payload: bytes) -> list[str]:
        """The ids the batch answer marks accepted; a rejected item is an error of its own."""
        results = orjson.loads(payload)["results"]
        accepted = [r["id"] for r in results if r["status"] == "accepted"]
        if len(accepted) < len(ids):
            self._error(
                "rejected_item", orjson.dumps(results[:3]).decode(), len(ids) - len(accepted)
            )
        return accepted

    async def _flush_acks(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self._acks:
                lines, self._acks = self._acks, []
                self._out.write("".join(lines))
                self._out.flush()
            await asyncio.sleep(0.005)

    async def run(self) -> dict[str, Any]:
        s = self.spec
        conns = [await self._connect() for _ in range(s.connections)]
        stop_flush = asyncio.Event()
        flusher = asyncio.create_task(self._flush_acks(stop_flush))
        cpu0 = time.process_time()
        t0 = time.monotonic()
        self._window_start = t0 + s.warmup_s
        self._last_done = self._window_start
        deadline = t0 + s.duration_s
        print(f"START {t0:.6f}", flush=True)
        if s.mode == "closed":
            counter = iter(range(s.max_requests))

            async def worker(conn: _Connection) -> None:
                for i in counter:
                    if time.monotonic() >= deadline:
                        return
                    self._tally.issued += 1
                    await self._one(conn, i, None)

            await asyncio.gather(*(worker(c) for c in conns))
        else:
            await self._open_loop(conns, t0, deadline)
        elapsed = self._last_done - self._window_start
        cpu = time.process_time() - cpu0
        stop_flush.set()
        await flusher
        if self._acks:
            self._out.write("".join(self._acks))
        reconnects = sum(c.reconnects for c in conns)
        for conn in conns:
            conn.close()
        lat = sorted(self._tally.latencies)
        ok = self._tally.done_in_window
        return {
            "requests": ok,
            "issued": self._tally.issued,
            "seconds": elapsed,
            "req_per_s": ok / elapsed if elapsed > 0 else 0.0,
            "events_per_s": ok * s.events_per_request / elapsed if elapsed > 0 else 0.0,
            "p50_ms": _pct(lat, 0.50) * 1000,
            "p90_ms": _pct(lat, 0.90) * 1000,
            "p99_ms": _pct(lat, 0.99) * 1000,
            "max_ms": (lat[-1] if lat else 0.0) * 1000,
            "errors": self._tally.errors,
            "first_error": self._tally.first_error,
            "reconnects": reconnects,
            "client_cpu_pct": 100 * cpu / max(1e-9, time.monotonic() - t0),
            "spec": dataclasses.asdict(s),
        }

    async def _open_loop(self, conns: list[_Connection], t0: float, deadline: float) -> None:
        s = self.spec
        idle: asyncio.Queue[_Connection] = asyncio.Queue()
        for conn in conns:
            idle.put_nowait(conn)
        tasks: set[asyncio.Task[None]] = set()

        async def send(i: int, t_sched: float) -> None:
            conn = await idle.get()
            try:
                await self._one(conn, i, t_sched)
            finally:
                idle.put_nowait(conn)

        interval = 1.0 / s.rate
        i = 0
        while i < s.max_requests:
            now = time.monotonic()
            if now >= deadline:
                break
            while i < s.max_requests and t0 + i * interval <= now:
                self._tally.issued += 1
                task = asyncio.create_task(send(i, t0 + i * interval))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                i += 1
            await asyncio.sleep(max(0.0, t0 + i * interval - time.monotonic()))
        if tasks:
            await asyncio.gather(*tasks)


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main() -> None:
    raw = json.loads(sys.argv[1])
    raw["expect"] = tuple(raw.get("expect", (201, 202)))
    spec = LoadSpec(**raw)
    result = uvloop.run(LoadGenerator(spec).run())
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
