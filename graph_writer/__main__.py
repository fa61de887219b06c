"""`python -m graph_writer`: consume the topic into Neo4j until SIGTERM/SIGINT."""

from __future__ import annotations

import sys

import uvloop

from graph_writer import coordinator_log
from graph_writer.service import run_service
from graph_writer.settings import GraphWriterSettings
from shared.core.collector import tune_for_throughput
from shared.core.errors import StoreUntrusted
from shared.core.logging_setup import configure_logging
from shared.core.settings import settings_or_exit


def main() -> None:
    settings = settings_or_exit(GraphWriterSettings, "graph_writer")
    configure_logging(settings.log_level)
    coordinator_log.install(settings.writer_startup_patience_s)
    tune_for_throughput()
    try:
        code = uvloop.run(run_service(settings))
    except StoreUntrusted as exc:
        print(f"graph_writer: start-up failed: {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    raise SystemExit(code)


if __name__ == "__main__":
    main()
