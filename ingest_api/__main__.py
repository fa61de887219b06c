"""`python -m ingest_api`: serve the API with hypercorn on uvloop until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import uvloop
from hypercorn.asyncio import serve
from hypercorn.config import Config
from hypercorn.utils import LifespanFailureError

from ingest_api.app import create_app
from ingest_api.settings import IngestApiSettings
from shared.core.collector import tune_for_throughput
from shared.core.logging_setup import configure_logging
from shared.core.settings import settings_or_exit

log = logging.getLogger("ingest_api")


async def _serve(settings: IngestApiSettings) -> None:
    config = Config()
    config.bind = [f"{settings.ingest_api_host}:{settings.ingest_api_port}"]
    if settings.ingest_api_tls_cert_file is not None:
        # Plain HTTP on the same port is then refused: there is no second, cleartext bind.
        config.certfile = str(settings.ingest_api_tls_cert_file)
        config.keyfile = str(settings.ingest_api_tls_key_file)
    # Hypercorn stops accepting on the trigger and waits this long for in-flight requests;
    # the lifespan then flushes the producer and closes the driver.
    config.graceful_timeout = settings.graceful_timeout_s
    config.accesslog = None
    # Through the service's own log handler only: hypercorn's default adds a handler of its
    # own and the logger still propagates, so every line ("Running on ...") came twice.
    config.errorlog = logging.getLogger("hypercorn.error")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(create_app(settings), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


def main() -> None:
    settings = settings_or_exit(IngestApiSettings, "ingest_api")
    configure_logging(settings.log_level)
    tune_for_throughput()
    try:
        uvloop.run(_serve(settings))
    except LifespanFailureError as exc:
        # The message is the whole chained traceback; its last line names the cause.
        log.debug("start-up failed: %s", exc)
        print(f"ingest_api: start-up failed: {_last_line(str(exc))}", file=sys.stderr)
        raise SystemExit(3) from None


def _last_line(text: str) -> str:
    lines = [line for line in text.rstrip("'").splitlines() if line.strip()]
    return lines[-1].strip() if lines else text


if __name__ == "__main__":
    main()
