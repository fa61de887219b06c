"""The servers of `make test` are not the developer's: own data directory, own ports."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from graph_writer.settings import GraphWriterSettings
from ingest_api.settings import IngestApiSettings
from tests.conftest import TEST_SERVERS

ROOT = Path(__file__).resolve().parents[2]
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - the address dev.sh must refuse, not one we bind

DEVELOPER_DEFAULTS = {
    "BG_LOCAL_DIR": str(ROOT / "deploy" / "local" / ".run"),
    "KAFKA_PORT": "9092",
    "KAFKA_CONTROLLER_PORT": "9093",
    "NEO4J_BOLT_PORT": "7687",
    "NEO4J_HTTP_PORT": "7474",
}


def makefile_test_servers() -> dict[str, str]:
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(TEST_\w+) \?= (\S+)$", text, re.MULTILINE))
    env = re.search(r"^TEST_ENV := (.*?)(?:\n(?!\t)|\Z)", text, re.MULTILINE | re.DOTALL)
    assert env is not None
    pairs = re.findall(r"(\w+)=\$\((TEST_\w+)\)", env.group(1))
    return {name: variables[var] for name, var in pairs}


def test_the_makefile_and_the_test_session_agree_on_the_test_servers() -> None:
    from_make = makefile_test_servers()
    from_make["BG_LOCAL_DIR"] = str(ROOT / from_make["BG_LOCAL_DIR"])
    assert from_make == TEST_SERVERS


def test_nothing_of_the_test_servers_is_the_developers() -> None:
    for name, value in TEST_SERVERS.items():
        assert value != DEVELOPER_DEFAULTS[name], name
    ports = [v for k, v in TEST_SERVERS.items() if k.endswith("_PORT")]
    assert len(set(ports)) == len(ports)


def test_make_test_uses_the_test_servers_and_ci_stops_them() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: .*test-services-up", makefile, re.MULTILINE)
    assert "\t$(TEST_ENV) $(PY) -m pytest" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    cleanup = ci[ci.index("cleanup() {") : ci.index("trap cleanup EXIT")]
    assert "make test-services-down" in cleanup


def bound_hosts(env: dict[str, str]) -> tuple[str, str]:
    """Run dev.sh's authentication guard alone; the hosts it leaves (API, writer health)."""
    dev = (ROOT / "deploy" / "local" / "dev.sh").read_text()
    start = dev.index('export AUTH_DISABLED="${AUTH_DISABLED:-true}"')
    guard = dev[start : dev.index("\nfi\n", start) + 4]
    report = 'printf "%s\\n%s\\n" "${INGEST_API_HOST:-}" "${GRAPH_WRITER_HEALTH_HOST:-}"'
    done = subprocess.run(
        ["bash", "-c", f"{guard}\n{report}"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=True,
    )
    api, writer = done.stdout.splitlines()[-2:]
    return api, writer


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"INGEST_API_HOST": ANY_ADDRESS, "GRAPH_WRITER_HEALTH_HOST": ANY_ADDRESS},
        {"AUTH_DISABLED": "True", "INGEST_API_HOST": "::", "GRAPH_WRITER_HEALTH_HOST": "::"},
    ],
)
def test_dev_binds_both_services_to_loopback_while_authentication_is_off(
    env: dict[str, str],
) -> None:
    assert bound_hosts(env) == ("127.0.0.1", "127.0.0.1")


def test_dev_leaves_the_hosts_alone_with_authentication_on() -> None:
    env = {
        "AUTH_DISABLED": "false",
        "INGEST_API_HOST": ANY_ADDRESS,
        "GRAPH_WRITER_HEALTH_HOST": ANY_ADDRESS,
    }
    assert bound_hosts(env) == (ANY_ADDRESS, ANY_ADDRESS)


def test_containers_still_bind_every_interface_by_default() -> None:
    """Compose and k8s rely on the services' defaults (or set 0.0.0.0): probes come from outside."""
    fields = IngestApiSettings.model_fields, GraphWriterSettings.model_fields
    assert fields[0]["ingest_api_host"].default == ANY_ADDRESS
    assert fields[1]["graph_writer_health_host"].default == ANY_ADDRESS
