"""Every Kafka client of the pipeline over TLS, and over SASL_SSL with SCRAM-SHA-512.

The broker is the session's private one (`kafka_secure`: deploy/local/kafka.sh with
KAFKA_SSL_PORT and KAFKA_SASL_SSL_PORT), its certificate signed by a throwaway CA.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from pydantic import SecretStr
from starlette.testclient import TestClient

from ingest_api.app import create_app
from shared.core.settings import KafkaSettings
from shared.kafka_io.topics import ensure_topics
from tests.certs import TestPki
from tests.conftest import Graph, Services
from tests.integration.conftest import api_settings
from tests.integration.private_servers import SASL_PASSWORD, SASL_USER, SecureKafka
from tests.integration.processes import http_json, start_api, start_writer, wait_for
from tests.integration.test_kafka_sasl import consume_keys


def ssl_values(bootstrap: str, ca: Path, **values: Any) -> dict[str, Any]:
    return {
        "kafka_bootstrap_servers": bootstrap,
        "kafka_security_protocol": "SSL",
        "kafka_ssl_cafile": ca,
        **values,
    }


def publish_through_api(
    services: Services, topic: str, log_dir: Path, event_id: str, **env: str
) -> None:
    """A real ingest_api process publishes one event (202: through Kafka, not the fallback).

    In-process clients would be cut off by a short-lived event loop while aiokafka closes
    their TLS connections in the background; a process and the session loop are not."""
    api = start_api(services, topic, log_dir, tls_context=None, FALLBACK_ENABLED="false", **env)
    try:
        api.wait_ready()
        assert http_json(api.url("/health/kafka"))[1]["status"] == "healthy"
        status, body = http_json(api.url("/events"), {"id": event_id, "event": {"class_uid": 4001}})
        assert status == 202, body
    finally:
        api.close()


async def test_api_and_writer_move_an_event_through_kafka_over_tls(
    kafka_secure: SecureKafka,
    test_pki: TestPki,
    services: Services,
    graph: Graph,
    topic: str,
    tmp_path: Path,
) -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_secure.ssl,
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_SSL_CAFILE": str(test_pki.server.ca),
    }
    # The API's topic admin and producer, then the writer's consumer and dead-letter producer.
    publish_through_api(services, topic, tmp_path, "tls-k1", **env)
    values = ssl_values(kafka_secure.ssl, test_pki.server.ca)
    assert await consume_keys(KafkaSettings(**values), topic, 1) == {"tls-k1"}
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 0

    writer = start_writer(services, topic, f"group-{topic}", tmp_path, **env)
    try:
        wait_for(
            lambda: graph.value("MATCH (e:Event {id: 'tls-k1'}) RETURN count(e) AS c") == 1,
            60,
            f"the writer to store the event; writer log:\n{writer.log()}",
        )
        assert "KafkaConnectionError" not in writer.log()
    finally:
        writer.close()
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 1


async def test_sasl_ssl_with_scram_sha_512_round_trips(
    kafka_secure: SecureKafka,
    test_pki: TestPki,
    services: Services,
    graph: Graph,
    topic: str,
    tmp_path: Path,
) -> None:
    publish_through_api(
        services,
        topic,
        tmp_path,
        "scram-tls",
        KAFKA_BOOTSTRAP_SERVERS=kafka_secure.sasl_ssl,
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        KAFKA_SASL_USERNAME=SASL_USER,
        KAFKA_SASL_PASSWORD=SASL_PASSWORD,
        KAFKA_SSL_CAFILE=str(test_pki.server.ca),
    )
    values = ssl_values(
        kafka_secure.sasl_ssl,
        test_pki.server.ca,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username=SASL_USER,
        kafka_sasl_password=SecretStr(SASL_PASSWORD),
    )
    assert await consume_keys(KafkaSettings(**values), topic, 1) == {"scram-tls"}
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 0


def test_broker_signed_by_another_ca_is_refused_with_the_reason_logged(
    kafka_secure: SecureKafka, test_pki: TestPki, topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = KafkaSettings(**ssl_values(kafka_secure.ssl, test_pki.other_ca))
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        asyncio.run(ensure_topics(settings, [topic]))
    # aiokafka keeps the TLS reason out of the exception and logs it instead.
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_api_with_the_wrong_ca_takes_nothing(
    kafka_secure: SecureKafka, test_pki: TestPki, services: Services, graph: Graph, topic: str
) -> None:
    values = ssl_values(kafka_secure.ssl, test_pki.other_ca, kafka_topic_input=topic)
    settings = api_settings(services, use_kafka=True, fallback_enabled=False, **values)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health/kafka").status_code == 503
        response = client.post("/events", json={"id": "nope", "event": {"class_uid": 4001}})
        assert response.status_code == 503
    assert graph.value("MATCH (e:Event) RETURN count(e) AS c") == 0


def test_plaintext_client_gets_no_kafka_answer_from_the_tls_listener(
    kafka_secure: SecureKafka, topic: str
) -> None:
    settings = KafkaSettings(kafka_bootstrap_servers=kafka_secure.ssl)
    with pytest.raises(KafkaConnectionError):
        asyncio.run(ensure_topics(settings, [topic]))
    # At the byte level: the listener answers a cleartext request with no Kafka response.
    host, port = kafka_secure.ssl.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        # An ApiVersions v0 request: size, api key 18, version 0, correlation id 7, client "t".
        sock.sendall(struct.pack(">ihhih", 11, 18, 0, 7, 1) + b"t")
        reply = sock.recv(64)
    assert reply[4:8] != struct.pack(">i", 7), "a cleartext request was answered"
