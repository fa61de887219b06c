"""Throwaway certificate authorities and server certificates for TLS tests, made with openssl.

Every TLS test (Kafka, Neo4j, the API's own HTTPS) gets its files from here. The layout of
a server directory, `ca.crt`, `server.crt` and `server.key` (unencrypted PKCS#8 PEM), is the
one deploy/local/kafka.sh and neo4j.sh expect in KAFKA_TLS_DIR and NEO4J_TLS_DIR.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# Every server in the tests is reached as localhost (Kafka advertises it) or 127.0.0.1.
DEFAULT_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class CertAuthority:
    cert: Path
    key: Path


@dataclass(frozen=True)
class ServerTls:
    """A server's certificate and key and the CA that signed them, side by side in `folder`."""

    folder: Path
    ca: Path
    cert: Path
    key: Path


def _openssl(*args: str) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(folder: Path, name: str) -> CertAuthority:
    folder.mkdir(parents=True, exist_ok=True)
    ca = CertAuthority(folder / f"{name}.crt", folder / f"{name}.key")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}", "-keyout", str(ca.key), "-out", str(ca.cert),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return ca


def issue_server_cert(
    ca: CertAuthority, folder: Path, hosts: tuple[str, ...] = DEFAULT_HOSTS
) -> ServerTls:
    """A server certificate for `hosts` signed by `ca`, with the CA copied next to it."""
    folder.mkdir(parents=True, exist_ok=True)
    tls = ServerTls(folder, folder / "ca.crt", folder / "server.crt", folder / "server.key")
    csr, extensions = folder / "server.csr", folder / "server.ext"
    san = ",".join(f"IP:{h}" if h.replace(".", "").isdigit() else f"DNS:{h}" for h in hosts)
    extensions.write_text(
        f"subjectAltName={san}\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hosts[0]}",
        "-keyout", str(tls.key), "-out", str(csr),
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key),
        "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out", str(tls.cert),
    )  # fmt: skip
    shutil.copyfile(ca.cert, tls.ca)
    csr.unlink()
    extensions.unlink()
    return tls


@dataclass(frozen=True)
class TestPki:
    """One CA that signs the servers, and an unrelated one that a misconfigured client trusts."""

    __test__ = False  # not a test class, despite the name

    server: ServerTls
    other_ca: Path


def make_test_pki(folder: Path) -> TestPki:
    ca = make_ca(folder / "ca", "bg-test-ca")
    other = make_ca(folder / "other-ca", "bg-other-ca")
    return TestPki(issue_server_cert(ca, folder / "server"), other.cert)
