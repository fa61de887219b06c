"""Prometheus metrics of graph_writer. Low-cardinality labels only."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from shared.core.bounded_labels import BoundedLabels, top_field

EVENTS_WRITTEN = Counter("graph_writer_events_written_total", "Events newly created in Neo4j")
EVENTS_DUPLICATE = Counter(
    "graph_writer_events_duplicate_total", "Events consumed that were already in Neo4j"
)
RECORDS_CONSUMED = Counter("graph_writer_records_consumed_total", "Kafka records consumed")
DEAD_LETTERS = Counter("graph_writer_dead_letters_total", "Records sent to the dead-letter topic")
WRITE_RETRIES = Counter(
    "graph_writer_write_retries_total", "Batch writes retried after a transient failure"
)
BATCH_SPLITS = Counter("graph_writer_batch_splits_total", "Batches split to isolate a bad record")
WRITE_SECONDS = Histogram(
    "graph_writer_neo4j_write_seconds",
    "Duration of one Neo4j batch transaction",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BATCH_SIZE = Histogram(
    "graph_writer_batch_size",
    "Records per consumed batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
)
CONSUMER_LAG = Gauge("graph_writer_consumer_lag", "Records behind the log end", ["partition"])
COMMITTED_OFFSET = Gauge("graph_writer_committed_offset", "Last committed offset", ["partition"])
NEO4J_UP = Gauge("graph_writer_neo4j_up", "1 when the last Neo4j call succeeded")
SHUTDOWN_SECONDS = Gauge("graph_writer_shutdown_seconds", "Duration of the last graceful shutdown")
READY = Gauge("graph_writer_ready", "1 while /health/ready answers 200 (consuming and Neo4j up)")
ASSIGNED_PARTITIONS = Gauge(
    "graph_writer_assigned_partitions", "Partitions of the input topic assigned to this replica"
)
DROPPED_FIELDS = Counter(
    "graph_writer_dropped_fields_total",
    "Optional fields the mapping left out of written events because their value was "
    "unusable, by top-level field (the Event's `dropped` property lists them)",
    ["field"],
)
UNMAPPABLE = Counter(
    "graph_writer_records_unmappable_total",
    "Records dead-lettered because they could not be decoded or mapped",
)
# Buckets fine below a second, where the pipeline's targets sit (p50 50 ms, p99 150 ms),
# and out to half an hour, where the alert on a stuck pipeline looks.
FRESHNESS = Histogram(
    "graph_writer_event_freshness_seconds",
    "At each commit, now minus received_at of each event the batch wrote",
    buckets=(
        0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75,
        1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800,
    ),
)  # fmt: skip

# Dropped paths come from client data: past this many distinct top-level fields, the rest
# are counted as "other".
_MAX_DROPPED_FIELD_SERIES = 100
_DROPPED_BY_FIELD = BoundedLabels(DROPPED_FIELDS.labels, _MAX_DROPPED_FIELD_SERIES)


def count_dropped(path: str) -> None:
    _DROPPED_BY_FIELD.child(top_field(path)).inc()
