"""Kafka clients authenticate with SASL/SCRAM through the one shared kwargs builder.

Runs against a broker with a SASL_PLAINTEXT listener: BG_TEST_KAFKA_SASL_BOOTSTRAP (with
BG_TEST_KAFKA_SASL_USER / _PASSWORD) when set, else the private local Kafka of the
`kafka_secure` fixture, its SCRAM user created at format time.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaConnectionError
from pydantic import SecretStr
from starlette.testclient import TestClient

from ingest_api.app import create_app
from shared.core.settings import KafkaSettings
from shared.kafka_io.security import connection_kwargs
from shared.kafka_io.topics import ensure_topics
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.private_servers import SASL_PASSWORD, SASL_USER, SecureKafka


@dataclass(frozen=True)
class SaslBroker:
    bootstrap: str
    user: str
    password: str


@pytest.fixture(scope="module")
def sasl_broker(request: pytest.FixtureRequest) -> SaslBroker:
    external = os.environ.get("BG_TEST_KAFKA_SASL_BOOTSTRAP")
    if external:
        return SaslBroker(
            external,
            os.environ.get("BG_TEST_KAFKA_SASL_USER", SASL_USER),
            os.environ.get("BG_TEST_KAFKA_SASL_PASSWORD", SASL_PASSWORD),
        )
    # Only now: with an external broker the private one is never started.
    broker: SecureKafka = request.getfixturevalue("kafka_secure")
    return SaslBroker(broker.sasl_plaintext, SASL_USER, SASL_PASSWORD)


def sasl_settings(broker: SaslBroker, password: str, **values: Any) -> dict[str, Any]:
    return {
        "kafka_bootstrap_servers": broker.bootstrap,
        "kafka_security_protocol": "SASL_PLAINTEXT",
        "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": broker.user,
        "kafka_sasl_password": SecretStr(password),
        **values,
    }


async def consume_keys(settings: KafkaSettings, topic: str, expected: int) -> set[str]:
    consumer = AIOKafkaConsumer(
        topic, **connection_kwargs(settings), auto_offset_reset="earliest", group_id=None
    )
    try:
        await consumer.start()
        keys: set[str] = set()
        async with asyncio.timeout(20):
            while len(keys) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                keys |= {r.key.decode() for records in batch.values() for r in records if r.key}
        return keys
    finally:
        await consumer.stop()


def test_api_publishes_over_scram_and_a_consumer_reads_it_back(
    sasl_broker: SaslBroker, services: Services, graph: Graph, topic: str
) -> None:
    values = sasl_settings(sasl_broker, sasl_broker.password, kafka_topic_input=topic)
    # The API's admin client (topic creation) and producer both go through the builder.
    with TestClient(create_app(api_settings(services, use_kafka=True, **values))) as client:
        assert client.get("/health/kafka").json()["status"] == "healthy"
        response = client.post("/events", json={"id": "scram-1", "event": {"class_uid": 4001}})
        assert response.status_code == 202, response.text
    consumer_settings = KafkaSettings(**values)
    assert asyncio.run(consume_keys(consumer_settings, topic, 1)) == {"scram-1"}
    # 202 means it went through Kafka, not the direct fallback.
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 0


def test_wrong_password_is_refused(sasl_broker: SaslBroker, topic: str) -> None:
    settings = KafkaSettings(**sasl_settings(sasl_broker, "not-the-password"))
    with pytest.raises(KafkaConnectionError):
        asyncio.run(ensure_topics(settings, [topic]))
    with pytest.raises(KafkaConnectionError):
        asyncio.run(consume_keys(settings, topic, 1))


def test_api_with_wrong_password_reports_kafka_unhealthy(
    sasl_broker: SaslBroker, services: Services, graph: Graph, topic: str
) -> None:
    values = sasl_settings(sasl_broker, "not-the-password", kafka_topic_input=topic)
    settings = api_settings(services, use_kafka=True, fallback_enabled=False, **values)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health/kafka").status_code == 503
        response = client.post("/events", json={"id": "nope", "event": {"class_uid": 4001}})
        assert response.status_code == 503
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 0
