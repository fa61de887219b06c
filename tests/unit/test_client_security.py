"""Kafka and Neo4j client security settings become the right client arguments."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from ingest_api.settings import IngestApiSettings
from shared.core.settings import KafkaSettings, Neo4jSettings
from shared.kafka_io.security import connection_kwargs
from shared.neo4j_store.driver import create_driver
from tests.certs import ServerTls, issue_server_cert, make_ca


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_ca(tmp_path_factory.mktemp("ca"), "bg-test-ca").cert


def test_plaintext_by_default() -> None:
    kwargs = connection_kwargs(KafkaSettings(kafka_bootstrap_servers="k1:9092,k2:9092"))
    assert kwargs == {"bootstrap_servers": "k1:9092,k2:9092", "security_protocol": "PLAINTEXT"}


def test_sasl_scram_passes_credentials_in_clear_only_to_the_client() -> None:
    settings = KafkaSettings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_username="alice",
        kafka_sasl_password=SecretStr("alice-secret"),
    )
    assert "alice-secret" not in repr(settings)
    kwargs = connection_kwargs(settings)
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-256"
    assert kwargs["sasl_plain_username"] == "alice"
    assert kwargs["sasl_plain_password"] == "alice-secret"
    assert "ssl_context" not in kwargs


def test_sasl_ssl_verifies_brokers_against_the_given_ca(ca_file: Path) -> None:
    settings = KafkaSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="alice",
        kafka_sasl_password=SecretStr("alice-secret"),
        kafka_ssl_cafile=ca_file,
    )
    context = connection_kwargs(settings)["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert any("bg-test-ca" in str(c["subject"]) for c in context.get_ca_certs())


def test_sasl_without_credentials_is_a_configuration_error() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        KafkaSettings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="alice")


def test_unknown_protocol_or_mechanism_is_refused() -> None:
    with pytest.raises(ValidationError):
        KafkaSettings(kafka_security_protocol="TLS")
    with pytest.raises(ValidationError):
        KafkaSettings(kafka_sasl_mechanism="GSSAPI")


@pytest.mark.parametrize(
    ("uri", "with_ca", "encrypted"),
    [
        ("bolt://db.internal:7687", True, True),
        ("neo4j://db.internal:7687", True, True),
        ("bolt://db.internal:7687", False, False),
        ("neo4j+s://db.internal:7687", False, True),
        ("bolt+s://db.internal:7687", False, True),
    ],
)
async def test_neo4j_encryption(uri: str, with_ca: bool, encrypted: bool, ca_file: Path) -> None:
    settings = Neo4jSettings(neo4j_uri=uri, neo4j_trusted_ca_file=ca_file if with_ca else None)
    driver = create_driver(settings)
    try:
        assert driver.encrypted is encrypted
    finally:
        await driver.close()


def test_neo4j_custom_ca_with_tls_scheme_is_a_configuration_error(ca_file: Path) -> None:
    with pytest.raises(ValidationError, match="NEO4J_TRUSTED_CA_FILE needs a bolt://"):
        Neo4jSettings(neo4j_uri="bolt+s://db.internal:7687", neo4j_trusted_ca_file=ca_file)


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> ServerTls:
    folder = tmp_path_factory.mktemp("api-tls")
    return issue_server_cert(make_ca(folder / "ca", "bg-api-ca"), folder / "server")


def test_api_https_needs_certificate_and_key_together(server_tls: ServerTls) -> None:
    with pytest.raises(ValidationError, match="must be set together"):
        IngestApiSettings(auth_disabled=True, ingest_api_tls_cert_file=server_tls.cert)
    with pytest.raises(ValidationError, match="must be set together"):
        IngestApiSettings(auth_disabled=True, ingest_api_tls_key_file=server_tls.key)
    settings = IngestApiSettings(
        auth_disabled=True,
        ingest_api_tls_cert_file=server_tls.cert,
        ingest_api_tls_key_file=server_tls.key,
    )
    assert settings.ingest_api_tls_cert_file == server_tls.cert


def test_api_https_key_that_does_not_match_is_refused_at_start_up(
    server_tls: ServerTls, tmp_path: Path
) -> None:
    other = issue_server_cert(make_ca(tmp_path / "ca", "bg-other"), tmp_path / "server")
    with pytest.raises(
        ValidationError, match="not a PEM certificate and its unencrypted"
    ) as caught:
        IngestApiSettings(
            auth_disabled=True,
            ingest_api_tls_cert_file=server_tls.cert,
            ingest_api_tls_key_file=other.key,
        )
    assert "PRIVATE KEY" not in str(caught.value)
