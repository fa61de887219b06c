"""`python -m graph_writer`: consume the topic into Neo4j until SIGTERM/SIGINT."""

from __future__ import annotations

import sys

import uvloop

from graph_writer.service import run_service
from graph_writer.settings import GraphWriterSettings
from shared.errors import SettingsError
from shared.logging_setup import configure_logging
from shared.settings import load_settings


def main() -> None:
    try:
        settings = load_settings(GraphWriterSettings)
    except SettingsError as exc:
        print(f"graph_writer: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    raise SystemExit(uvloop.run(run_service(settings)))


if __name__ == "__main__":
    main()
