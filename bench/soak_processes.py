"""The processes under a soak and what is observed of them: the run's record, the sampler
of memory and CPU, and the graph_writer incarnations restarted one after another."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.infra import Service, cpu_seconds, http_get, rss_mib
from bench.stages_common import Context, histogram_means


@dataclass
class Incarnation:
    """One graph_writer process. Times are seconds since the soak started."""

    number: int
    pid: int
    log: str
    started_s: float
    ready_s: float | None = None
    ended_s: float | None = None
    ended_by: str = ""  # SIGTERM, SIGKILL, final SIGTERM, or exited by itself
    exit_code: int | None = None
    stop_seconds: float | None = None
    # Means over its life, from its /metrics just before the signal.
    mean_batch: float | None = None
    mean_write_ms: float | None = None


@dataclass
class Run:
    """What the soak observed, filled in as it goes."""

    t0: float = field(default_factory=time.monotonic)
    samples: list[dict[str, Any]] = field(default_factory=list)
    incarnations: list[Incarnation] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    acked_twice: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def error(self, kind: str, example: str, n: int = 1) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + n
        if len(self.error_examples) < 10:
            self.error_examples.append(f"{kind}: {example[:300]}")

    def on_ack(self, event_id: str, _t_sched: float, _t_ack: float) -> None:
        if event_id in self.acked:
            self.acked_twice += 1
        self.acked.add(event_id)


class Sampler:
    """RSS and CPU of named processes every `interval` seconds; the writer's pid changes
    with each incarnation and every sample says which one it saw."""

    def __init__(
        self, run: Run, interval: float, pids: dict[str, int], lag: Callable[[], Any]
    ) -> None:
        self.run = run
        self.interval = interval
        self.pids = pids
        self.writer_number = 0
        self._lag = lag
        self._last: dict[str, tuple[int, float, float]] = {}

    async def loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sample()
            try:
                async with asyncio.timeout(self.interval):
                    await stop.wait()
            except TimeoutError:
                continue
        await self.sample()

    async def sample(self) -> None:
        now = self.run.now()
        row: dict[str, Any] = {"t": round(now, 1)}
        for name, pid in self.pids.items():
            rss = rss_mib(pid)
            if rss is None:  # between two writer incarnations
                row[name] = {"rss_mib": None, "cpu_pct": None}
                continue
            cpu = cpu_seconds(pid)
            last = self._last.get(name)
            pct = None
            if last is not None and last[0] == pid and now > last[1]:
                pct = round(100 * (cpu - last[2]) / (now - last[1]), 1)
            self._last[name] = (pid, now, cpu)
            row[name] = {"rss_mib": round(rss, 2), "cpu_pct": pct}
        if "graph_writer" in row:
            row["graph_writer"]["incarnation"] = self.writer_number
        row["load1"] = round(os.getloadavg()[0], 2)
        try:
            row["lag"] = await self._lag()
        except Exception as exc:  # counted as a soak error, and the sampling goes on
            self.run.error("sampler", repr(exc))
            row["lag"] = None
        self.run.samples.append(row)


class Writers:
    """graph_writer incarnations, one at a time, in one consumer group."""

    def __init__(self, ctx: Context, topic: str, group: str, run: Run, sampler: Sampler) -> None:
        self.ctx = ctx
        self.topic = topic
        self.group = group
        self.run = run
        self.sampler = sampler
        self.current: Service | None = None

    async def start(self) -> None:
        number = len(self.run.incarnations) + 1
        svc = self.ctx.graph_writer(f"soak-writer-{number}", self.topic, self.group)
        inc = Incarnation(number, svc.pid, svc.log_path.name, self.run.now())
        self.run.incarnations.append(inc)
        self.current = svc
        await svc.wait_ready(120, check=lambda body: bool(body.get("partitions")))
        inc.ready_s = round(self.run.now() - inc.started_s, 2)
        # Sampled from here: start-up (imports, connecting) would read as growth.
        self.sampler.pids["graph_writer"] = svc.pid
        self.sampler.writer_number = number

    async def stop(self, how: signal.Signals, label: str) -> None:
        svc, inc = self.current, self.run.incarnations[-1]
        assert svc is not None
        if svc.proc.poll() is None:
            await self._scrape(svc, inc)
        begun = time.monotonic()
        if svc.proc.poll() is None:
            svc.proc.send_signal(how)
            inc.ended_by = label
        else:
            inc.ended_by = "exited by itself"
        try:
            code = await asyncio.to_thread(svc.proc.wait, 60)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            code = await asyncio.to_thread(svc.proc.wait, 10)
            inc.ended_by += ", then SIGKILL after 60 s"
        inc.exit_code = code
        inc.stop_seconds = round(time.monotonic() - begun, 2)
        inc.ended_s = round(self.run.now(), 1)
        await svc.stop()  # closes its log
        expected = -signal.SIGKILL if how == signal.SIGKILL else 0
        if code != expected or inc.ended_by != label:
            self.run.error(
                "writer_exit", f"incarnation {inc.number} {inc.ended_by}: exit code {code}"
            )

    async def _scrape(self, svc: Service, inc: Incarnation) -> None:
        status, body = await http_get("127.0.0.1", svc.port, "/metrics")
        if status != 200:
            self.run.error("writer_metrics", f"incarnation {inc.number}: /metrics {status}")
            return
        means = histogram_means(
            body.decode(errors="replace"),
            ("graph_writer_batch_size", "graph_writer_neo4j_write_seconds"),
        )
        inc.mean_batch = round(means.get("graph_writer_batch_size", 0.0), 1)
        inc.mean_write_ms = round(1000 * means.get("graph_writer_neo4j_write_seconds", 0.0), 1)

    async def restart(self, how: signal.Signals) -> None:
        await self.stop(how, how.name)
        await self.start()

    def died(self) -> bool:
        return self.current is not None and self.current.proc.poll() is not None
