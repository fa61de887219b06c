"""Typed configuration read once from the environment (and `.env`) at start-up."""

from __future__ import annotations

import sys
from typing import TypeVar

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import SettingsError


class _EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )


class Neo4jSettings(_EnvSettings):
    neo4j_uri: str = "bolt://localhost:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("blueprintgraph")
    neo4j_database: str = "neo4j"
    neo4j_max_pool_size: int = Field(default=50, ge=1, le=1000)
    neo4j_connect_timeout_s: float = Field(default=5.0, gt=0)
    # How long the driver itself retries a transient failure before the caller backs off.
    neo4j_tx_retry_s: float = Field(default=5.0, gt=0)


class KafkaSettings(_EnvSettings):
    use_kafka: bool = True
    kafka_bootstrap_servers: str = "localhost:9092"
    kafka_topic_input: str = Field(default="security-events", min_length=1, max_length=249)
    kafka_topic_partitions: int = Field(default=6, ge=1, le=10_000)
    kafka_topic_replication: int = Field(default=1, ge=1, le=16)
    kafka_dlq_topic: str = Field(default="security-events-dlq", min_length=1, max_length=249)
    kafka_consumer_group: str = Field(default="blueprintgraph-consumer", min_length=1)
    kafka_request_timeout_ms: int = Field(default=10_000, ge=100)


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Build settings from the environment, or raise one error naming every bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            variable = "_".join(str(p) for p in err["loc"]).upper()
            # The offending value is left out on purpose: it may be a secret.
            problems.append(f"{variable}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


def settings_or_exit(cls: type[SettingsT], service: str) -> SettingsT:
    """For a service's main(): a bad configuration ends the process with status 2."""
    try:
        return load_settings(cls)
    except SettingsError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
