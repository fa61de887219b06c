"""Typed configuration read once from the environment (and `.env`) at start-up."""

from __future__ import annotations

import sys
from typing import Literal, Self, TypeVar

from pydantic import Field, FilePath, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.core.errors import SettingsError


class _EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )


# With these schemes the driver takes its TLS settings from the URI and refuses any other.
_NEO4J_TLS_SCHEMES = ("bolt+s", "bolt+ssc", "neo4j+s", "neo4j+ssc")


class Neo4jSettings(_EnvSettings):
    neo4j_uri: str = "bolt://localhost:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("blueprintgraph")
    neo4j_database: str = "neo4j"
    neo4j_max_pool_size: int = Field(default=50, ge=1, le=1000)
    neo4j_connect_timeout_s: float = Field(default=5.0, gt=0)
    # How long the driver itself retries a transient failure before the caller backs off.
    neo4j_tx_retry_s: float = Field(default=5.0, gt=0)
    # A private CA for the Neo4j server certificate; turns encryption on for bolt:// and neo4j://.
    neo4j_trusted_ca_file: FilePath | None = None

    @model_validator(mode="after")
    def _ca_needs_plain_scheme(self) -> Self:
        scheme = self.neo4j_uri.split("://", 1)[0].lower()
        if self.neo4j_trusted_ca_file is not None and scheme in _NEO4J_TLS_SCHEMES:
            raise ValueError(
                "NEO4J_TRUSTED_CA_FILE needs a bolt:// or neo4j:// NEO4J_URI (encryption is "
                f"then switched on); the driver ignores custom CAs with {scheme}://"
            )
        return self


KafkaSecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
KafkaSaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(_EnvSettings):
    use_kafka: bool = True
    kafka_bootstrap_servers: str = "localhost:9092"
    kafka_topic_input: str = Field(default="security-events", min_length=1, max_length=249)
    kafka_topic_partitions: int = Field(default=6, ge=1, le=10_000)
    kafka_topic_replication: int = Field(default=1, ge=1, le=16)
    kafka_dlq_topic: str = Field(default="security-events-dlq", min_length=1, max_length=249)
    kafka_consumer_group: str = Field(default="blueprintgraph-consumer", min_length=1)
    kafka_request_timeout_ms: int = Field(default=10_000, ge=100)
    kafka_security_protocol: KafkaSecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: KafkaSaslMechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    # Without a CA file the system trust store verifies the brokers.
    kafka_ssl_cafile: FilePath | None = None
    # Client certificate and key, for brokers that require mutual TLS.
    kafka_ssl_certfile: FilePath | None = None
    kafka_ssl_keyfile: FilePath | None = None

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        if self.kafka_ssl_keyfile is not None and self.kafka_ssl_certfile is None:
            raise ValueError("KAFKA_SSL_KEYFILE is set but KAFKA_SSL_CERTFILE is not")
        return self


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Build settings from the environment, or raise one error naming every bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            variable = "_".join(str(p) for p in err["loc"]).upper()
            # The offending value is left out on purpose: it may be a secret. Checks that
            # span several variables have no location and name the variables themselves.
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{variable}: {msg}" if variable else msg)
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


def settings_or_exit(cls: type[SettingsT], service: str) -> SettingsT:
    """For a service's main(): a bad configuration ends the process with status 2."""
    try:
        return load_settings(cls)
    except SettingsError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
