"""MAX_EVENT_BYTES must fit in what the Kafka producer can send."""

from __future__ import annotations

import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from ingest_api.settings import KAFKA_RECORD_OVERHEAD_BYTES, IngestApiSettings
from shared.core.errors import SettingsError
from shared.core.settings import load_settings
from shared.kafka_io.codec import record_headers


@pytest.fixture(autouse=True)
def _no_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_DISABLED", "true")


def test_event_larger_than_a_kafka_request_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_EVENT_BYTES", "2000000")
    with pytest.raises(SettingsError) as info:
        load_settings(IngestApiSettings)
    message = str(info.value)
    assert "MAX_EVENT_BYTES" in message
    assert "KAFKA_MAX_REQUEST_BYTES" in message


def test_just_too_close_to_the_request_size_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_EVENT_BYTES", str(1_048_576 - KAFKA_RECORD_OVERHEAD_BYTES + 1))
    with pytest.raises(SettingsError, match="KAFKA_MAX_REQUEST_BYTES"):
        load_settings(IngestApiSettings)


def test_raising_both_together_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_EVENT_BYTES", "2000000")
    monkeypatch.setenv("KAFKA_MAX_REQUEST_BYTES", "2100000")
    loaded = load_settings(IngestApiSettings)
    assert (loaded.max_event_bytes, loaded.kafka_max_request_bytes) == (2_000_000, 2_100_000)


def test_without_kafka_only_the_event_limit_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USE_KAFKA", "false")
    monkeypatch.setenv("MAX_EVENT_BYTES", "2000000")
    assert load_settings(IngestApiSettings).max_event_bytes == 2_000_000


def test_defaults_fit() -> None:
    loaded = load_settings(IngestApiSettings)
    assert loaded.max_event_bytes + KAFKA_RECORD_OVERHEAD_BYTES <= loaded.kafka_max_request_bytes


def test_overhead_covers_the_largest_key_and_headers() -> None:
    # The check the producer applies before sending (aiokafka max_request_size).
    value = b"v" * 1_000_000
    key = ("\U0001f600" * 256).encode()  # the longest id, in 4-byte characters
    headers = record_headers("r" * 128)
    size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)
    assert size - len(value) <= KAFKA_RECORD_OVERHEAD_BYTES
