"""`python -m graph_writer.retention`: delete what is older than GRAPH_RETENTION_DAYS, once.

For a Kubernetes CronJob or a compose service run on a schedule. One JSON log line per
step and a summary line on stderr; the run's metrics in the Prometheus text format on
stdout, and in GRAPH_RETENTION_METRICS_FILE when set (for node_exporter's textfile
collector). Exit status: 0 done (or retention off), 1 failed (re-run to finish: every
step is idempotent), 2 bad configuration.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, LiteralString

import uvloop
from neo4j import AsyncDriver
from neo4j.exceptions import DriverError, Neo4jError
from prometheus_client import write_to_textfile
from pydantic import Field, field_validator

from graph_writer.retention_plan import (
    RetentionPlan,
    RetentionReport,
    log_fields,
    metrics_registry,
    metrics_text,
    plan_for,
)
from shared.core.logging_setup import configure_logging
from shared.core.settings import Neo4jSettings, settings_or_exit
from shared.neo4j_store.driver import create_driver
from shared.neo4j_store.retention import (
    DELETE_ASSOCIATIONS,
    DELETE_ENTITIES,
    DELETE_EVENTS,
    run_pass,
)

log = logging.getLogger("graph_writer.retention")


class RetentionSettings(Neo4jSettings):
    # Unset: retention is off and a run deletes nothing.
    graph_retention_days: int | None = Field(default=None, ge=1, le=36_500)
    # Rows per inner transaction: bounds the transaction memory and each lock hold.
    graph_retention_batch_size: int = Field(default=1_000, ge=1, le=100_000)
    # Passes of a step whose batches failed (deadlocks with a writer) or that failed with
    # a retriable error (leader switch); each pass starts from what is left.
    graph_retention_attempts: int = Field(default=5, ge=1, le=100)
    graph_retention_metrics_file: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("graph_retention_days", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        # Compose and a ConfigMap pass an unset variable as "": that means off too.
        return None if isinstance(value, str) and not value.strip() else value


@dataclass(frozen=True, slots=True)
class Deleted:
    nodes: int
    relationships: int


class RetentionIncomplete(Exception):
    """A step's batches kept failing; what it did delete is kept for the report."""

    def __init__(self, message: str, deleted: Deleted) -> None:
        super().__init__(message)
        self.deleted = deleted


class RetentionFailed(Exception):
    def __init__(self, report: RetentionReport) -> None:
        super().__init__("retention failed")
        self.report = report


async def run_retention(settings: RetentionSettings, plan: RetentionPlan) -> RetentionReport:
    """Run the three steps in order; raises RetentionFailed with what was done so far."""
    started = time.monotonic()
    done: dict[str, Deleted] = {}
    driver = create_driver(settings)
    steps: tuple[tuple[str, LiteralString], ...] = (
        ("events", DELETE_EVENTS),
        ("associations", DELETE_ASSOCIATIONS),
        ("entities", DELETE_ENTITIES),
    )
    try:
        for name, statement in steps:
            try:
                done[name] = await _step(settings, plan, name, statement, driver)
            except RetentionIncomplete as exc:
                done[name] = exc.deleted
                raise
    except (Neo4jError, DriverError, OSError, RetentionIncomplete) as exc:
        log.error("retention step failed: %s: %s", type(exc).__name__, exc)
        raise RetentionFailed(_report(plan, done, started, succeeded=False)) from exc
    finally:
        await driver.close()
    return _report(plan, done, started, succeeded=True)


async def _step(
    settings: RetentionSettings,
    plan: RetentionPlan,
    name: str,
    statement: LiteralString,
    driver: AsyncDriver,
) -> Deleted:
    """Passes of one statement until one sees everything and fails no batch.

    Passes that only take the next `pass_limit` rows are progress and do not count;
    passes with failed batches (deadlocks) or retriable errors count as attempts."""
    nodes = relationships = 0
    failures = 0
    while True:
        step_started = time.monotonic()
        try:
            done = await run_pass(
                driver,
                settings.neo4j_database,
                statement,
                plan.cutoff,
                plan.batch_size,
                plan.pass_limit,
            )
        except (Neo4jError, DriverError) as exc:
            failures += 1
            if not exc.is_retryable() or failures >= settings.graph_retention_attempts:
                raise
            log.warning("retention step %s: %s, attempt %d", name, type(exc).__name__, failures)
            await asyncio.sleep(min(2.0**failures, 30.0))
            continue
        nodes += done.nodes
        relationships += done.relationships
        log.info(
            "retention step %s: %d nodes, %d relationships deleted; %d rows left by failed batches",
            name,
            done.nodes,
            done.relationships,
            done.failed_rows,
            extra={"duration_ms": round((time.monotonic() - step_started) * 1000)},
        )
        if done.failed_rows:
            failures += 1
            if failures >= settings.graph_retention_attempts:
                raise RetentionIncomplete(
                    f"step {name}: {done.failed_rows} rows still failing after {failures} "
                    f"failed passes: {(done.error or '')[:300]}",
                    Deleted(nodes, relationships),
                )
            await asyncio.sleep(0.5 * failures)
        elif done.matched < plan.pass_limit:
            return Deleted(nodes, relationships)


def _report(
    plan: RetentionPlan, done: dict[str, Deleted], started: float, *, succeeded: bool
) -> RetentionReport:
    none = Deleted(0, 0)
    return RetentionReport(
        cutoff=plan.cutoff,
        events_deleted=done.get("events", none).nodes,
        associations_deleted=done.get("associations", none).relationships,
        entities_deleted=done.get("entities", none).nodes,
        relationships_deleted=sum(d.relationships for d in done.values()),
        seconds=time.monotonic() - started,
        succeeded=succeeded,
    )


def _publish(settings: RetentionSettings, report: RetentionReport) -> None:
    finished_at = datetime.now(UTC)
    log.info("retention run: %s", log_fields(report))
    sys.stdout.write(metrics_text(report, finished_at))
    sys.stdout.flush()
    if settings.graph_retention_metrics_file is not None:
        # Written to a temporary file and renamed, so a collector never reads half of it.
        write_to_textfile(
            str(settings.graph_retention_metrics_file), metrics_registry(report, finished_at)
        )


def main() -> None:
    settings = settings_or_exit(RetentionSettings, "graph_writer.retention")
    configure_logging(settings.log_level)
    plan = plan_for(
        settings.graph_retention_days, datetime.now(UTC), settings.graph_retention_batch_size
    )
    if plan is None:
        log.info("GRAPH_RETENTION_DAYS is not set: retention is off, nothing deleted")
        raise SystemExit(0)
    log.info(
        "retention: deleting what is older than %d days (before %s), %d rows per transaction",
        settings.graph_retention_days,
        plan.cutoff.isoformat(),
        plan.batch_size,
    )
    try:
        report = uvloop.run(run_retention(settings, plan))
    except RetentionFailed as exc:
        _publish(settings, exc.report)
        raise SystemExit(1) from None
    _publish(settings, report)
    raise SystemExit(0)


if __name__ == "__main__":
    main()
