"""Where the servers are, the processes under test, and CPU accounting from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class BenchEnv:
    """Read from the same variables the services read, with the same default ports."""

    kafka_bootstrap: str
    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str
    neo4j_database: str
    # The local Neo4j's debug.log (deploy/local/services.sh puts it under BG_LOCAL_DIR),
    # read for its checkpoints; None when the bench runs against a server elsewhere.
    neo4j_debug_log: Path | None = None

    @classmethod
    def from_environ(cls) -> BenchEnv:
        env = os.environ
        return cls(
            kafka_bootstrap=env.get(
                "KAFKA_BOOTSTRAP_SERVERS", f"localhost:{env.get('KAFKA_PORT', '9092')}"
            ),
            neo4j_uri=env.get(
                "NEO4J_URI", f"bolt://localhost:{env.get('NEO4J_BOLT_PORT', '7687')}"
            ),
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=env.get("NEO4J_PASSWORD", "blueprintgraph"),
            neo4j_database=env.get("NEO4J_DATABASE", "neo4j"),
            neo4j_debug_log=_neo4j_debug_log(env),
        )

    def service_env(self, topic: str, group: str, **extra: str) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "KAFKA_TOPIC_INPUT": topic,
            "KAFKA_DLQ_TOPIC": f"{topic}-dlq",
            "KAFKA_CONSUMER_GROUP": group,
            "KAFKA_TOPIC_PARTITIONS": "6",
            "NEO4J_URI": self.neo4j_uri,
            "NEO4J_USER": self.neo4j_user,
            "NEO4J_PASSWORD": self.neo4j_password,
            "NEO4J_DATABASE": self.neo4j_database,
            "LOG_LEVEL": "INFO",
            **extra,
        }


def _neo4j_debug_log(env: Mapping[str, str]) -> Path | None:
    named = env.get("NEO4J_DEBUG_LOG")
    if named:
        return Path(named)
    local = env.get("BG_LOCAL_DIR")
    return Path(local) / "neo4j" / "logs" / "debug.log" if local else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- CPU accounting ---------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def rss_mib(pid: int) -> float | None:
    """Resident memory (VmRSS) of a process in MiB, from /proc/<pid>/status; None if gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None  # a zombie has no VmRSS line


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / _CLK_TCK, total / _CLK_TCK


def pid_listening_on(port: int) -> int | None:
    """The process holding a listening TCP socket on `port`, found through /proc."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{entry}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{entry}/fd/{fd}") in targets:
                        return int(entry)
    return None


@dataclass
class CpuMeter:
    """CPU used by named processes (and the whole machine) between start() and stop()."""

    pids: dict[str, int]
    _cpu0: dict[str, float] = field(default_factory=dict)
    _t0: float = 0.0
    _machine0: tuple[float, float] = (0.0, 0.0)
    result: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._cpu0 = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._machine0 = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        wall = max(1e-9, time.monotonic() - self._t0)
        busy, total = machine_busy_seconds()
        self.result = {
            f"{name}_cpu_pct": round(100 * (cpu_seconds(pid) - self._cpu0[name]) / wall, 1)
            for name, pid in self.pids.items()
        }
        span = max(1e-9, total - self._machine0[1])
        self.result["machine_busy_pct"] = round(100 * (busy - self._machine0[0]) / span, 1)
        return self.result


# --- processes under test ---------------------------------------------------------------


class Service:
    """`python -m <module>` as a real subprocess, with its log in bench-results/logs."""

    def __init__(
        self,
        name: str,
        args: list[str],
        env: dict[str, str],
        port: int,
        log_dir: Path,
        profile_to: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.log_path = log_dir / f"{name}-{port}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        prefix = [sys.executable]
        if profile_to is not None:
            # Wall-clock sampling profile of the whole process, written when it exits.
            prefix += ["-m", "pyinstrument", "-r", "pstats", "-o", str(profile_to)]
        self.proc = subprocess.Popen(
            [*prefix, *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def wait_ready(
        self, limit_s: float = 90, check: Callable[[Any], bool] | None = None
    ) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log()}")
            status, body = await http_get("127.0.0.1", self.port, "/health/ready")
            if status == 200 and (check is None or check(json.loads(body or b"{}"))):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {limit_s}s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    async def stop(self, grace_s: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait, 10)
        self._log.close()


@contextlib.asynccontextmanager
async def running(*services: Service) -> AsyncIterator[tuple[Service, ...]]:
    try:
        yield services
    finally:
        await asyncio.gather(*(s.stop() for s in services))


async def http_get(host: str, port: int, path: str) -> tuple[int, bytes]:
    try:
        async with asyncio.timeout(3):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
                )
                data = await reader.read()
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return 0, b""
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        return int(head[9:12]), body
    except ValueError:
        return 0, b""


async def run_load(
    spec: dict[str, Any],
    on_start: Callable[[float], None] | None = None,
    on_ack: Callable[[str, float, float], None] | None = None,
) -> dict[str, Any]:
    """Run bench.httpload in its own process; return its RESULT."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.httpload",
        json.dumps(spec),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 20,
    )
    assert proc.stdout is not None
    result: dict[str, Any] | None = None
    while line := await proc.stdout.readline():
        if line.startswith(b"A ") and on_ack is not None:
            _, event_id, t_sched, t_ack = line.split()
            on_ack(event_id.decode(), float(t_sched), float(t_ack))
        elif line.startswith(b"START ") and on_start is not None:
            on_start(float(line.split()[1]))
        elif line.startswith(b"RESULT "):
            result = json.loads(line[7:])
    await proc.wait()
    if result is None:
        raise RuntimeError(f"load generator failed (exit {proc.returncode})")
    return result
