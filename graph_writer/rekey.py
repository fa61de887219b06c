"""`python -m graph_writer.rekey`: rebuild the stored graph with the mapping in force.

For an upgrade that changes entity keys (docs/operations.md, "Re-keying after an
upgrade"). Rewrites every stored event from its own `raw` in bounded transactions
(shared/neo4j_store/rekey.py); resumable: a run that was stopped or failed continues
from its last committed batch when started again. One JSON log line per step and a
summary line. Exit status: 0 done, 1 failed (run again to resume), 2 bad configuration.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Literal

import uvloop
from neo4j.exceptions import DriverError, Neo4jError
from pydantic import Field

from shared.core.errors import InvalidEvent
from shared.core.logging_setup import configure_logging
from shared.core.settings import Neo4jSettings, settings_or_exit
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event
from shared.neo4j_store.driver import create_driver
from shared.neo4j_store.rekey import Rekeyer, StoredEvent

log = logging.getLogger("graph_writer.rekey")

# The name of this re-keying in the graph's `(:Migration)` node: a later change of keys
# takes a new name, so that a finished run is never mistaken for it.
MIGRATION = "identity-scoped-keys"


class RekeySettings(Neo4jSettings):
    # Events per transaction: bounds the transaction's memory and each lock hold.
    graph_rekey_batch_size: int = Field(default=500, ge=1, le=50_000)
    graph_rekey_attempts: int = Field(default=5, ge=1, le=100)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


def remap(stored: StoredEvent) -> GraphEvent | None:
    """The event as the mapping in force makes it, from what it was made of; None for
    an event that mapping refuses (it is then left as it is)."""
    try:
        event = json.loads(stored.raw)
        return to_graph_event(
            stored.id, stored.source_format, event, stored.received_at.to_native()
        )
    except (InvalidEvent, ValueError, TypeError) as exc:
        log.warning("event %s kept as it is: %s", stored.id, exc)
        return None


async def run_rekey(settings: RekeySettings, *, restart: bool) -> int:
    """Returns how many events were rewritten by this run."""
    driver = create_driver(settings)
    rekeyer = Rekeyer(driver, settings.neo4j_database, MIGRATION)
    batch = settings.graph_rekey_batch_size
    rewritten = 0
    failures = 0
    try:
        while True:
            try:
                progress = await rekeyer.progress(restart=restart)
                restart = False
                if progress.phase == "done":
                    return rewritten
                if progress.phase == "associations":
                    deleted = await rekeyer.delete_associations(batch)
                    log.info("rekey: %d associations deleted", deleted)
                    continue
                started = time.monotonic()
                cursor, outcome = await rekeyer.rewrite_batch(progress.cursor, batch, remap)
            except (Neo4jError, DriverError, OSError) as exc:
                failures += 1
                retryable = not isinstance(exc, Neo4jError | DriverError) or exc.is_retryable()
                if not retryable or failures >= settings.graph_rekey_attempts:
                    raise
                log.warning("rekey: %s, attempt %d", type(exc).__name__, failures)
                await asyncio.sleep(min(2.0**failures, 30.0))
                continue
            failures = 0
            rewritten += outcome.rewritten
            log.info(
                "rekey: %d events rewritten up to %s (%d kept as they were)",
                outcome.rewritten,
                cursor,
                len(outcome.kept),
                extra={"duration_ms": round((time.monotonic() - started) * 1000)},
            )
    finally:
        await driver.close()


def main() -> None:
    settings = settings_or_exit(RekeySettings, "graph_writer.rekey")
    configure_logging(settings.log_level)
    restart = "--restart" in sys.argv[1:]
    started = time.monotonic()
    try:
        rewritten = uvloop.run(run_rekey(settings, restart=restart))
    except (Neo4jError, DriverError, OSError) as exc:
        log.error("rekey failed: %s: %s (run again to resume)", type(exc).__name__, exc)
        raise SystemExit(1) from None
    log.info(
        "rekey done: %d events rewritten in this run, %.1f s",
        rewritten,
        time.monotonic() - started,
    )
    raise SystemExit(0)


if __name__ == "__main__":
    main()
