"""A TCP forwarder in front of a real server, for start-up faults that a stopped server
cannot produce: let the first connections through, refuse the next ones, then open."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class TcpGate:
    def __init__(self, target: str, admit: int) -> None:
        host, port = target.rsplit(":", 1)
        self._target = (host, int(port))
        self._admit = admit
        self._open = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.accepted = 0
        self.refused = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, name="tcp-gate", daemon=True)
        self._thread.start()

    def open(self) -> None:
        """From now on every connection goes through."""
        self._open.set()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def __enter__(self) -> TcpGate:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.accepted >= self._admit and not self._open.is_set():
                # Accept and hang up at once: to the client, the server went away.
                self.refused += 1
                client.close()
                continue
            self.accepted += 1
            upstream = socket.create_connection(self._target, timeout=5)
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(src, dst), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    # An OSError here only means one side hung up; the other pump sees it as well.
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    for sock in (src, dst):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
