"""What a retention run deletes and how it reports it. Pure: no clock, no I/O.

The cutoff is taken once per run, so a run's three steps agree on it, and a run
restarted after a kill uses a cutoff at least as late (it finishes the job and may
delete a little more, never less).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

# Rows one statement takes at most (it holds a reference to each in its own memory);
# a run is as many such passes as it takes.
MAX_PASS_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    cutoff: datetime
    batch_size: int

    @property
    def pass_limit(self) -> int:
        return max(self.batch_size, min(self.batch_size * 100, MAX_PASS_ROWS))


def plan_for(days: int | None, now: datetime, batch_size: int) -> RetentionPlan | None:
    """None when retention is off (GRAPH_RETENTION_DAYS unset)."""
    if days is None:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: event times are stored in UTC")
    if days < 1 or batch_size < 1:
        raise ValueError("days and batch_size must be positive")
    return RetentionPlan(cutoff=now - timedelta(days=days), batch_size=batch_size)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    cutoff: datetime
    events_deleted: int
    associations_deleted: int
    entities_deleted: int
    # Relationships that went with the events and entities (event links, associations).
    relationships_deleted: int
    seconds: float
    succeeded: bool


def log_fields(report: RetentionReport) -> dict[str, object]:
    return {
        "cutoff": report.cutoff.isoformat(),
        "events_deleted": report.events_deleted,
        "associations_deleted": report.associations_deleted,
        "entities_deleted": report.entities_deleted,
        "relationships_deleted": report.relationships_deleted,
        "duration_s": round(report.seconds, 3),
        "succeeded": report.succeeded,
    }


def metrics_registry(report: RetentionReport, finished_at: datetime) -> CollectorRegistry:
    """The run as Prometheus metrics, for stdout, a textfile collector or a Pushgateway.

    Counters of one run: a CronJob's process lives for one run, so they start at zero and
    a scraper sums them across runs with the usual counter functions."""
    registry = CollectorRegistry()
    deleted = Counter(
        "graph_retention_deleted",
        "Graph elements deleted by retention, by kind",
        ["kind"],
        registry=registry,
    )
    deleted.labels("event").inc(report.events_deleted)
    deleted.labels("entity").inc(report.entities_deleted)
    deleted.labels("association").inc(report.associations_deleted)
    deleted.labels("relationship").inc(report.relationships_deleted)
    Gauge(
        "graph_retention_duration_seconds", "Duration of the last retention run", registry=registry
    ).set(report.seconds)
    Gauge(
        "graph_retention_cutoff_timestamp_seconds",
        "Events before this time were deleted by the last run",
        registry=registry,
    ).set(report.cutoff.timestamp())
    Gauge(
        "graph_retention_last_run_timestamp_seconds",
        "When the last retention run ended",
        registry=registry,
    ).set(finished_at.timestamp())
    Gauge(
        "graph_retention_last_run_success",
        "1 when the last retention run finished, 0 when it failed",
        registry=registry,
    ).set(1 if report.succeeded else 0)
    return registry


def metrics_text(report: RetentionReport, finished_at: datetime) -> str:
    return generate_latest(metrics_registry(report, finished_at)).decode()
