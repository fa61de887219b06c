"""The real syslog-ng, run as a process with the shipped configuration and files of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import ROOT
from tests.programs import missing_reason, require_program

CONFIG = ROOT / "deploy" / "shippers" / "syslog-ng" / "blueprintgraph.conf"


def require_syslog_ng() -> str:
    """syslog-ng with its http() module, or skip naming the Debian packages."""
    binary = require_program("syslog-ng")
    version = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    modules = next((ln for ln in version.splitlines() if ln.startswith("Available-Modules:")), "")
    if "http" not in modules.split(":", 1)[-1].split(","):
        pytest.skip(missing_reason("syslog-ng") + " (the http module is missing)")
    return binary


class SyslogNg:
    """One syslog-ng in the foreground: its own persist, pid and control files, in `workdir`."""

    def __init__(self, binary: str, workdir: Path, ingest_url: str, api_key: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = _free_tcp_and_udp_port()
        self.log_file = workdir / "input.log"
        self.log_file.touch()
        buffer_dir = workdir / "buffer"
        buffer_dir.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "BG_INGEST_URL": ingest_url,
            "BG_INGEST_API_KEY": api_key,
            "BG_SYSLOG_LISTEN_IP": "127.0.0.1",
            "BG_SYSLOG_PORT": str(self.port),
            "BG_SYSLOG_FILE": str(self.log_file),
            "BG_SYSLOG_BUFFER_DIR": str(buffer_dir),
            # The test API answers Retry-After: 1 (RETRY_AFTER_S=1).
            "BG_SYSLOG_RETRY_S": "1",
        }
        self._output_path = workdir / "syslog-ng.out"
        self._output: IO[bytes] = self._output_path.open("wb")
        self.proc = subprocess.Popen(
            [
                binary,
                "--foreground",
                "--stderr",
                "--no-caps",
                f"--cfgfile={CONFIG}",
                f"--persist-file={workdir / 'syslog-ng.persist'}",
                f"--pidfile={workdir / 'syslog-ng.pid'}",
                f"--control={workdir / 'syslog-ng.ctl'}",
            ],
            env=self.env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    def wait_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"syslog-ng exited ({self.proc.returncode}):\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"syslog-ng not listening after {timeout}s:\n{self.output()}")

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def send_tcp(self, lines: list[str]) -> None:
        with self.connect() as sock:
            sock.sendall("".join(f"{line}\n" for line in lines).encode())

    def append_to_file(self, lines: list[str]) -> None:
        with self.log_file.open("a", encoding="utf-8") as out:
            out.writelines(f"{line}\n" for line in lines)

    def output(self) -> str:
        self._output.flush()
        return self._output_path.read_text(errors="replace")[-6000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._output.close()


def _free_tcp_and_udp_port() -> int:
    """A port free for both TCP and UDP, since the sources listen on both."""
    for _ in range(50):
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise AssertionError("no port free for both TCP and UDP")
