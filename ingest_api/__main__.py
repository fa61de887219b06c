"""`python -m ingest_api`: serve the API with hypercorn on uvloop until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import signal

import uvloop
from hypercorn.asyncio import serve
from hypercorn.config import Config

from ingest_api.app import create_app
from ingest_api.settings import IngestApiSettings
from shared.logging_setup import configure_logging
from shared.settings import settings_or_exit


async def _serve(settings: IngestApiSettings) -> None:
    config = Config()
    config.bind = [f"{settings.ingest_api_host}:{settings.ingest_api_port}"]
    # Hypercorn stops accepting on the trigger and waits this long for in-flight requests;
    # the lifespan then flushes the producer and closes the driver.
    config.graceful_timeout = settings.graceful_timeout_s
    config.accesslog = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(create_app(settings), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


def main() -> None:
    settings = settings_or_exit(IngestApiSettings, "ingest_api")
    configure_logging(settings.log_level)
    uvloop.run(_serve(settings))


if __name__ == "__main__":
    main()
