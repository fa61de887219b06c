from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.settings import KafkaSettings, Neo4jSettings


class IngestApiSettings(Neo4jSettings, KafkaSettings):
    ingest_api_host: str = "0.0.0.0"  # noqa: S104 - a service in a container listens on all interfaces
    ingest_api_port: int = Field(default=8001, ge=1, le=65_535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    max_batch_bytes: int = Field(default=16_777_216, ge=1_024)
    max_event_bytes: int = Field(default=1_000_000, ge=1_024, le=10_000_000)
    max_batch_items: int = Field(default=1_000, ge=1, le=100_000)
    graceful_timeout_s: float = Field(default=10.0, gt=0)
    fallback_enabled: bool = True
    kafka_send_timeout_s: float = Field(default=5.0, gt=0)
    kafka_linger_ms: int = Field(default=5, ge=0, le=1_000)
    kafka_max_batch_bytes: int = Field(default=1_048_576, ge=16_384)
    breaker_failure_threshold: int = Field(default=1, ge=1)
    breaker_probe_interval_s: float = Field(default=2.0, gt=0)
    retry_after_s: int = Field(default=5, ge=1)
    # Per-request metrics middleware; off only to measure its own cost.
    metrics_enabled: bool = True
