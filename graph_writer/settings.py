from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.core.settings import KafkaSettings, Neo4jSettings


class GraphWriterSettings(Neo4jSettings, KafkaSettings):
    graph_writer_health_host: str = "0.0.0.0"  # noqa: S104 - probes come from outside the pod
    graph_writer_health_port: int = Field(default=8002, ge=1, le=65_535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    writer_batch_size: int = Field(default=500, ge=1, le=50_000)
    writer_batch_wait_ms: int = Field(default=200, ge=0, le=60_000)
    # Once a batch has its first record, how long it waits for more before it is written.
    # A Neo4j transaction costs as much as 15-25 events (docs/benchmarks.md), so a trickle
    # of records written as it comes spends Neo4j's CPU on transactions, not events.
    writer_batch_linger_ms: int = Field(default=50, ge=0, le=5_000)
    # By default the linger holds only while another batch is being written: with Neo4j
    # idle, a batch goes with what is buffered (p50 at 500 events/s 81 -> 26 ms, for about
    # 1.6x Neo4j's CPU at that rate). True lingers always: fewer transactions at a trickle.
    writer_linger_when_idle: bool = False
    # Batches written concurrently, each in its own transaction (1 = strictly one at a time).
    writer_batches_in_flight: int = Field(default=2, ge=1, le=8)
    writer_shutdown_timeout_s: float = Field(default=20.0, gt=0)
    writer_record_attempts: int = Field(default=3, ge=1, le=100)
    writer_backoff_initial_s: float = Field(default=0.5, gt=0)
    writer_backoff_max_s: float = Field(default=10.0, gt=0)
    # How long a dependency may take to come up at start-up before it is logged as an
    # outage: Neo4j started next to the writer takes 10-30 s, which is no news.
    writer_startup_patience_s: float = Field(default=60.0, ge=0)
    # Ping Neo4j when no write has for this long, and refresh the lag gauge this often.
    writer_check_interval_s: float = Field(default=2.0, gt=0, le=300)
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000)
    kafka_heartbeat_interval_ms: int = Field(default=3_000, ge=100)
