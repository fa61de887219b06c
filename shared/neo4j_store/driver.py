"""The Neo4j driver, built from the settings, and how its failures are told to clients."""

from __future__ import annotations

import ssl
from typing import Any

import neo4j
from neo4j import AsyncDriver, AsyncGraphDatabase

from shared.core.errors import StoreUnavailable, StoreUntrusted
from shared.core.settings import Neo4jSettings


def create_driver(settings: Neo4jSettings) -> AsyncDriver:
    """TLS comes from the URI (`bolt+s://`, `neo4j+s://`) or, for a private CA, from
    NEO4J_TRUSTED_CA_FILE with a plain scheme: the driver accepts trust settings only there."""
    tls: dict[str, Any] = {}
    if settings.neo4j_trusted_ca_file is not None:
        tls = {
            "encrypted": True,
            "trusted_certificates": neo4j.TrustCustomCAs(str(settings.neo4j_trusted_ca_file)),
        }
    return AsyncGraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        max_connection_pool_size=settings.neo4j_max_pool_size,
        connection_timeout=settings.neo4j_connect_timeout_s,
        max_transaction_retry_time=settings.neo4j_tx_retry_s,
        **tls,
    )


def store_error(what: str, exc: BaseException) -> StoreUnavailable:
    """Only the exception class and, for TLS, the verifier's reason: driver messages can
    carry addresses and server text that have no place in a client's error body."""
    verify = _cert_verify_error(exc)
    if verify is not None:
        return StoreUntrusted(
            f"{what}: the server's TLS certificate is not trusted ({verify.verify_message}); "
            "set NEO4J_TRUSTED_CA_FILE to the CA that signed it, with a bolt:// or neo4j:// "
            "NEO4J_URI"
        )
    return StoreUnavailable(f"{what}: {type(exc).__name__}")


def _cert_verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    # The driver wraps it twice: ServiceUnavailable <- BoltSecurityError <- the ssl error.
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
