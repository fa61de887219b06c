from __future__ import annotations

import ssl
from typing import Final, Literal, Self

from pydantic import Field, FilePath, PrivateAttr, SecretStr, model_validator

from ingest_api.api_keys import parse_key_file, parse_key_list
from shared.core.settings import KafkaSettings, Neo4jSettings

# What a record adds to its value on the wire: batch header, key (an id of up to 256
# characters, 1 KiB in UTF-8) and headers (request id up to 128 characters). aiokafka
# estimates about 1.3 KiB for the largest; tests/unit/test_settings_limits.py checks it.
KAFKA_RECORD_OVERHEAD_BYTES: Final = 4_096


class IngestApiSettings(Neo4jSettings, KafkaSettings):
    ingest_api_host: str = "0.0.0.0"  # noqa: S104 - a service in a container listens on all interfaces
    ingest_api_port: int = Field(default=8001, ge=1, le=65_535)
    # HTTPS served by the API itself; usually TLS ends at the ingress and this stays unset.
    ingest_api_tls_cert_file: FilePath | None = None
    ingest_api_tls_key_file: FilePath | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    max_batch_bytes: int = Field(default=16_777_216, ge=1_024)
    max_event_bytes: int = Field(default=1_000_000, ge=1_024, le=10_000_000)
    max_batch_items: int = Field(default=1_000, ge=1, le=100_000)
    max_json_depth: int = Field(default=32, ge=2, le=1_000)
    max_string_length: int = Field(default=65_536, ge=64)
    # Events accepted but not yet durable, over all requests; past it new work gets 429.
    max_in_flight_events: int = Field(default=20_000, ge=1)
    request_timeout_s: float = Field(default=30.0, gt=0)
    graceful_timeout_s: float = Field(default=10.0, gt=0)
    fallback_enabled: bool = True
    kafka_send_timeout_s: float = Field(default=5.0, gt=0)
    # The Kafka path's "duplicate" answer is a courtesy: a slow Neo4j must not hold a
    # request that Kafka alone makes durable. Past it the answer is "duplicate": null.
    duplicate_lookup_timeout_s: float = Field(default=1.0, gt=0, le=30)
    kafka_linger_ms: int = Field(default=5, ge=0, le=1_000)
    kafka_max_batch_bytes: int = Field(default=1_048_576, ge=16_384)
    # The producer's cap on one request, hence on one record (aiokafka max_request_size).
    kafka_max_request_bytes: int = Field(default=1_048_576, ge=8_192, le=104_857_600)
    breaker_failure_threshold: int = Field(default=1, ge=1)
    breaker_probe_interval_s: float = Field(default=2.0, gt=0)
    retry_after_s: int = Field(default=5, ge=1)
    # Per-request metrics middleware; off only to measure its own cost.
    metrics_enabled: bool = True

    ingest_api_keys: SecretStr | None = None
    ingest_api_keys_file: FilePath | None = None
    # Must be said explicitly: with no key configured the service refuses to start.
    auth_disabled: bool = False
    auth_protect_metrics: bool = True
    auth_protect_reads: bool = True
    _api_keys: tuple[SecretStr, ...] = PrivateAttr(default=())

    @property
    def api_keys(self) -> tuple[SecretStr, ...]:
        """Every accepted key (several during a rotation), read once at start-up."""
        return self._api_keys

    @model_validator(mode="after")
    def _check_limits(self) -> Self:
        if self.max_in_flight_events < self.max_batch_items:
            raise ValueError(
                "MAX_IN_FLIGHT_EVENTS must be at least MAX_BATCH_ITEMS, "
                "or a full batch could never be admitted"
            )
        if self.use_kafka and (
            self.max_event_bytes + KAFKA_RECORD_OVERHEAD_BYTES > self.kafka_max_request_bytes
        ):
            # Such an event would pass intake, fail its send and open the breaker.
            raise ValueError(
                f"MAX_EVENT_BYTES ({self.max_event_bytes}) plus {KAFKA_RECORD_OVERHEAD_BYTES} "
                "bytes of record overhead must fit in KAFKA_MAX_REQUEST_BYTES "
                f"({self.kafka_max_request_bytes}), or such an event could never be sent"
            )
        return self

    @model_validator(mode="after")
    def _check_tls(self) -> Self:
        cert, key = self.ingest_api_tls_cert_file, self.ingest_api_tls_key_file
        if (cert is None) != (key is None):
            raise ValueError(
                "INGEST_API_TLS_CERT_FILE and INGEST_API_TLS_KEY_FILE must be set together"
            )
        if cert is not None and key is not None:
            # Load the pair now, so a wrong or encrypted key stops the service at start-up
            # with the variable named instead of failing inside the server's TLS setup.
            try:
                ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
            except (ssl.SSLError, OSError) as exc:
                raise ValueError(
                    "INGEST_API_TLS_CERT_FILE and INGEST_API_TLS_KEY_FILE are not a PEM "
                    f"certificate and its unencrypted private key ({exc.__class__.__name__})"
                ) from None
        return self

    @model_validator(mode="after")
    def _load_api_keys(self) -> Self:
        keys: list[SecretStr] = []
        if self.ingest_api_keys is not None:
            keys += parse_key_list(self.ingest_api_keys)
        if self.ingest_api_keys_file is not None:
            keys += parse_key_file(self.ingest_api_keys_file)
        if not keys and not self.auth_disabled:
            raise ValueError(
                "no API key configured: set INGEST_API_KEYS or INGEST_API_KEYS_FILE, "
                "or AUTH_DISABLED=true to run without authentication"
            )
        self._api_keys = tuple(keys)
        return self
