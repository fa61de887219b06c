"""Static checks of the deployment files (no Docker engine, no cluster needed).

They parse deploy/docker-compose*.yml, .env.example, deploy/Dockerfile,
deploy/compose.mk and the kustomize tree under deploy/k8s/ and assert the
properties the services rely on: health probes on the real paths and ports,
ordering by health, shutdown budgets longer than WRITER_SHUTDOWN_TIMEOUT_S,
a hardened pod securityContext, no secret material in the base.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
COMPOSE_DIRECT_FILE = DEPLOY / "docker-compose.direct.yml"
K8S_BASE = DEPLOY / "k8s" / "base"
K8S_OVERLAY = DEPLOY / "k8s" / "overlays" / "example"

# The configuration contract: every variable the services read, with its default.
CONTRACT: dict[str, str] = {
    "USE_KAFKA": "true",
    "KAFKA_BOOTSTRAP_SERVERS": "localhost:9092",
    "KAFKA_TOPIC_INPUT": "security-events",
    "KAFKA_TOPIC_PARTITIONS": "6",
    "KAFKA_CONSUMER_GROUP": "blueprintgraph-consumer",
    "KAFKA_DLQ_TOPIC": "security-events-dlq",
    "NEO4J_URI": "bolt://localhost:7687",
    "NEO4J_USER": "neo4j",
    "NEO4J_PASSWORD": "blueprintgraph",
    "NEO4J_DATABASE": "neo4j",
    "INGEST_API_HOST": "0.0.0.0",  # noqa: S104 - a default value, nothing binds here
    "INGEST_API_PORT": "8001",
    "GRAPH_WRITER_HEALTH_PORT": "8002",
    "WRITER_BATCH_SIZE": "500",
    "WRITER_BATCH_WAIT_MS": "200",
    "WRITER_BATCH_LINGER_MS": "50",
    "WRITER_LINGER_WHEN_IDLE": "false",
    "WRITER_BATCHES_IN_FLIGHT": "2",
    "WRITER_SHUTDOWN_TIMEOUT_S": "20",
    "LOG_LEVEL": "INFO",
    "MAX_BODY_BYTES": "1048576",
    "MAX_BATCH_ITEMS": "1000",
}
# Addresses that differ inside the compose network / the cluster by design.
ADDRESS_VARS = {"KAFKA_BOOTSTRAP_SERVERS", "NEO4J_URI"}
APP_SERVICES = ("ingest_api", "graph_writer")


# --------------------------------------------------------------------------- helpers


class _ComposeLoader(yaml.SafeLoader):
    """SafeLoader that also accepts Compose's merge tags (!override, !reset)."""


def _compose_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


for _tag in ("!override", "!reset"):
    _ComposeLoader.add_constructor(_tag, _compose_tag)


def _load_compose(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(), Loader=_ComposeLoader)  # noqa: S506 - SafeLoader subclass
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def _parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {raw!r}"
        assert key not in values, f"{path.name}: {key} assigned twice"
        values[key.strip()] = value.strip()
    return values


def _seconds(duration: str | int) -> float:
    """Compose durations: '30s', '1m30s', '500ms', or a bare number of seconds."""
    if isinstance(duration, int | float):
        return float(duration)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts, f"bad duration {duration!r}"
    assert "".join(n + u for n, u in parts) == duration, f"bad duration {duration!r}"
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def _cpu(q: str | int) -> float:
    q = str(q)
    return float(q[:-1]) / 1000 if q.endswith("m") else float(q)


def _memory(q: str | int) -> float:
    q = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9}
    for suffix, factor in units.items():
        if q.endswith(suffix):
            return float(q[: -len(suffix)]) * factor
    return float(q)


def _kustomization(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((directory / "kustomization.yaml").read_text())
    return data


def _base_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for rel in _kustomization(K8S_BASE)["resources"]:
        for doc in yaml.safe_load_all((K8S_BASE / rel).read_text()):
            if doc:
                objects.append(doc)
    return objects


def _one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind}/{name}, found {len(found)}"
    return found[0]


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "one container per pod expected"
    first: dict[str, Any] = containers[0]
    return first


def _port_number(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    by_name = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in by_name, f"probe refers to unknown port name {port!r}"
    return int(by_name[port])


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load_compose(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = compose["services"]
    return result


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return _parse_env_file(ROOT / ".env.example")


@pytest.fixture(scope="module")
def k8s() -> list[dict[str, Any]]:
    return _base_objects()


@pytest.fixture(scope="module")
def config(k8s: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = _one(k8s, "ConfigMap", "blueprintgraph-config")["data"]
    return data


# --------------------------------------------------------------------------- .env.example


def test_env_example_lists_every_contract_variable_with_its_default(
    env_example: dict[str, str],
) -> None:
    assert env_example == CONTRACT


def test_env_example_documents_each_variable() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith("#") and "=" in line:
            assert i > 0, f"no comment above {line!r}"
            assert lines[i - 1].startswith("# "), f"no comment above {line!r}"


SETTINGS_MODULES = ("shared.core.settings", "ingest_api.settings", "graph_writer.settings")


def test_env_example_defaults_agree_with_settings_code(env_example: dict[str, str]) -> None:
    """The documented defaults are the ones the code really falls back to."""
    pytest.importorskip("pydantic_settings")
    import importlib

    from pydantic import SecretStr
    from pydantic_settings import BaseSettings

    checked: set[str] = set()
    for module_name in SETTINGS_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for obj in vars(module).values():
            if not (isinstance(obj, type) and issubclass(obj, BaseSettings)):
                continue
            for field_name, field in obj.model_fields.items():
                var = field_name.upper()
                if var not in CONTRACT:
                    continue
                default = field.default
                if isinstance(default, SecretStr):
                    default = default.get_secret_value()
                if isinstance(default, bool):
                    default = str(default).lower()
                elif isinstance(default, float) and default.is_integer():
                    default = int(default)
                assert str(default) == env_example[var], f"{obj.__name__}.{field_name}"
                checked.add(var)
    if not checked:
        pytest.skip("no settings module defines contract variables yet")


# --------------------------------------------------------------------------- compose


def test_compose_app_env_anchor_is_exactly_the_contract(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    app_env = compose["x-app-env"]
    assert set(app_env) == set(CONTRACT)
    assert set(app_env) <= set(env_example), "every app variable must be in .env.example"


def test_compose_app_env_interpolates_from_env_with_contract_defaults(
    compose: dict[str, Any],
) -> None:
    for var, value in compose["x-app-env"].items():
        if var in ADDRESS_VARS:
            # In-network address; .env holds the host (localhost) address.
            assert "localhost" not in str(value), var
            assert "${" not in str(value), var
            continue
        match = re.fullmatch(r"\$\{(\w+):-([^}]*)\}", str(value))
        assert match, f"{var} should be ${{{var}:-default}}, is {value!r}"
        assert match.group(1) == var
        assert match.group(2) == CONTRACT[var], f"{var} default differs from the contract"


def test_compose_in_network_addresses_point_at_compose_services(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    env = compose["x-app-env"]
    kafka_host, kafka_port = env["KAFKA_BOOTSTRAP_SERVERS"].split(":")
    assert kafka_host in services
    assert f"//:{kafka_port}" in services["kafka"]["environment"]["KAFKA_LISTENERS"]
    assert re.fullmatch(r"bolt://neo4j:7687", env["NEO4J_URI"])
    assert "neo4j" in services


def test_app_services_get_the_full_app_env(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert set(CONTRACT) <= set(env), f"{name} misses part of x-app-env"


# One-shot jobs: they exit when done, so there is nothing to be healthy.
ONE_SHOT_SERVICES = ("kafka-init", "graph_retention")


def test_every_service_except_the_one_shot_jobs_has_a_healthcheck(
    services: dict[str, Any],
) -> None:
    for name, svc in services.items():
        if name in ONE_SHOT_SERVICES:
            assert "healthcheck" not in svc
            continue
        check = svc.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check.get("test"), f"{name} has an empty healthcheck"
        assert not check.get("disable", False), name


def test_every_depends_on_uses_a_condition(services: dict[str, Any]) -> None:
    seen = 0
    for name, svc in services.items():
        deps = svc.get("depends_on")
        if deps is None:
            continue
        assert isinstance(deps, dict), f"{name}: depends_on must be the long form"
        for dep, spec in deps.items():
            seen += 1
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = spec.get("condition")
            if dep == "kafka-init":
                assert condition == "service_completed_successfully", name
            else:
                assert condition == "service_healthy", f"{name} -> {dep}: {condition}"
                assert "healthcheck" in services[dep], f"{dep} cannot become healthy"
    assert seen >= 7


def test_app_services_wait_for_topics_and_neo4j(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        assert {"kafka", "kafka-init", "neo4j"} <= set(services[name]["depends_on"]), name


def test_graph_writer_can_be_scaled(services: dict[str, Any]) -> None:
    writer = services["graph_writer"]
    assert "ports" not in writer
    assert "container_name" not in writer
    assert "ingest_api" not in writer.get("depends_on", {})


def test_app_healthchecks_probe_the_contract_paths(services: dict[str, Any]) -> None:
    for name, port_var in (
        ("ingest_api", "INGEST_API_PORT"),
        ("graph_writer", "GRAPH_WRITER_HEALTH_PORT"),
    ):
        test = " ".join(services[name]["healthcheck"]["test"])
        assert "urllib.request" in test, name
        assert "/health/ready" in test, name
        assert port_var in test, f"{name} healthcheck must use {port_var}"


def test_both_app_services_run_one_image(services: dict[str, Any]) -> None:
    api, writer = services["ingest_api"], services["graph_writer"]
    assert api["image"] == writer["image"]
    assert api["build"] == writer["build"]
    assert api["command"][-1] == "ingest_api"
    assert writer["command"][-1] == "graph_writer"
    context = (DEPLOY / api["build"]["context"]).resolve()
    assert (context / "pyproject.toml").is_file()
    assert (context / api["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_writer_stop_grace_exceeds_shutdown_timeout(services: dict[str, Any]) -> None:
    grace = _seconds(services["graph_writer"]["stop_grace_period"])
    assert grace > int(CONTRACT["WRITER_SHUTDOWN_TIMEOUT_S"])


def test_app_services_read_optional_env_file(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        (entry,) = services[name]["env_file"]
        assert entry["required"] is False
        assert (DEPLOY / entry["path"]).resolve() == ROOT / ".env"


def test_infrastructure_images_and_kraft(services: dict[str, Any]) -> None:
    assert services["kafka"]["image"] == "apache/kafka:4.4.0"
    assert services["kafka-init"]["image"] == "apache/kafka:4.4.0"
    assert services["neo4j"]["image"] == "neo4j:5.26-community"
    assert services["kafka-ui"]["image"].startswith("ghcr.io/kafbat/kafka-ui:")
    assert "${KAFKA_UI_HOST_PORT:-8080}:8080" in services["kafka-ui"]["ports"]
    assert not any(
        "zookeeper" in n or "zookeeper" in str(s.get("image")) for n, s in services.items()
    )
    kafka_env = services["kafka"]["environment"]
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_ZOOKEEPER_CONNECT" not in kafka_env


def test_neo4j_password_comes_from_env(services: dict[str, Any]) -> None:
    auth = services["neo4j"]["environment"]["NEO4J_AUTH"]
    assert auth == "neo4j/${NEO4J_PASSWORD:-blueprintgraph}"


def test_kafka_init_creates_topic_and_dlq_with_configured_partitions(
    services: dict[str, Any],
) -> None:
    init = services["kafka-init"]
    env = init["environment"]
    assert env["TOPIC"] == "${KAFKA_TOPIC_INPUT:-security-events}"
    assert env["DLQ_TOPIC"] == "${KAFKA_DLQ_TOPIC:-security-events-dlq}"
    assert env["PARTITIONS"] == "${KAFKA_TOPIC_PARTITIONS:-6}"
    script = " ".join(init["command"])
    assert '"$$TOPIC" "$$DLQ_TOPIC"' in script
    assert "--create --if-not-exists" in script
    assert '--partitions "$$PARTITIONS"' in script
    # single $ would be interpolated by compose on the host, not in the container
    assert not re.search(r"(?<!\$)\$(?!\$)", script), "unescaped $ in kafka-init script"


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for svc in compose["services"].values():
        for mount in svc.get("volumes", []):
            source = mount.split(":", 1)[0]
            # Bind mounts: a path, or a ${VAR:-path} the operator may point elsewhere.
            if not source.startswith((".", "/", "~", "${")):
                used.add(source)
    assert used
    assert used == declared


def test_direct_mode_override(services: dict[str, Any]) -> None:
    direct = _load_compose(COMPOSE_DIRECT_FILE)["services"]
    assert set(direct) == {"ingest_api"}
    assert direct["ingest_api"]["environment"]["USE_KAFKA"] == "false"
    deps = direct["ingest_api"]["depends_on"]
    assert deps == {"neo4j": {"condition": "service_healthy"}}
    assert "depends_on: !override" in COMPOSE_DIRECT_FILE.read_text()


# --------------------------------------------------------------------------- compose.mk


def test_compose_mk_targets_fail_without_engine() -> None:
    text = (DEPLOY / "compose.mk").read_text()
    assert re.search(
        r"^COMPOSE \?= docker compose -f deploy/docker-compose\.yml --env-file \$\(COMPOSE_ENV_FILE\)$",
        text,
        re.M,
    )
    assert re.search(r"^COMPOSE_ENV_FILE \?= \.env$", text, re.M)
    for target in ("up", "up-direct", "down", "logs", "scale"):
        assert re.search(rf"^{re.escape(target)}: compose-preflight$", text, re.M), target
    preflight = text.split("compose-preflight:\n", 1)[1].split("\n\n", 1)[0]
    assert "docker info" in preflight
    assert "exit 1" in preflight
    assert "cp .env.example" in preflight
    assert "--scale graph_writer=$(WRITERS)" in text
    assert "deploy/docker-compose.direct.yml" in text
    for line in text.splitlines():
        assert not line.startswith("    "), f"recipe lines must start with a tab: {line!r}"


# --------------------------------------------------------------------------- Dockerfile


def _dockerfile_stages() -> list[list[str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_dockerfile_is_multistage_slim_nonroot() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.M)
    builder, runtime = _dockerfile_stages()
    assert builder[0] == "FROM ${PYTHON_IMAGE} AS builder"
    assert runtime[0] == "FROM ${PYTHON_IMAGE} AS runtime"
    assert re.search(r"pip install [^&\n]*--no-deps \.(\s|$)", "\n".join(builder)), "pip install ."
    rt = "\n".join(runtime)
    assert "COPY --from=builder /opt/venv /opt/venv" in rt
    assert re.search(r"^COPY (?!--from)", rt, re.M) is None, "runtime copies only the venv"
    for forbidden in ("apt-get", "gcc", "build-essential", "pip install"):
        assert forbidden not in rt, forbidden
    assert "PYTHONDONTWRITEBYTECODE=1" in rt
    assert "PYTHONUNBUFFERED=1" in rt
    assert re.search(r"^USER 10001(:10001)?$", rt, re.M)
    assert re.search(r"--uid 10001", rt)
    assert re.search(r"^EXPOSE 8001 8002$", rt, re.M)
    assert runtime[-1] == 'CMD ["python", "-m", "ingest_api"]'
    (health,) = [ln for ln in runtime if ln.startswith("HEALTHCHECK")]
    assert "urllib.request" in health
    assert "http://127.0.0.1:" in health
    assert "/health'" in health
    assert "PORT" in health
    assert "curl" not in health


def test_dockerignore_keeps_secrets_out_and_allows_every_copy() -> None:
    lines = [
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines[0] == "*", "allow-list: exclude everything first"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert not any(a.startswith(".env") or a.startswith(".git") for a in allowed)
    builder, _ = _dockerfile_stages()
    for line in builder:
        if line.startswith("COPY ") and "--from" not in line:
            *sources, _dest = shlex.split(line)[1:]
            for src in sources:
                assert src.rstrip("/") in allowed, f"{src} is excluded by .dockerignore"
                assert (ROOT / src).exists() or src == "README.md", f"{src} missing"


# --------------------------------------------------------------------------- kubernetes


def test_base_kustomization_resources_exist_and_exclude_the_secret() -> None:
    kust = _kustomization(K8S_BASE)
    resources = kust["resources"]
    assert resources
    assert len(resources) == len(set(resources))
    for rel in resources:
        assert (K8S_BASE / rel).is_file(), f"missing resource {rel}"
    assert "secret.example.yaml" not in resources
    assert (K8S_BASE / "secret.example.yaml").is_file()
    assert "namespace" not in kust, "the base must stay namespace-free"
    assert "secretGenerator" not in kust


def test_no_secret_with_real_data_in_base(k8s: list[dict[str, Any]]) -> None:
    assert not [o for o in k8s if o["kind"] == "Secret"]
    example = yaml.safe_load((K8S_BASE / "secret.example.yaml").read_text())
    assert example["kind"] == "Secret"
    assert "data" not in example
    assert example["stringData"] == {"NEO4J_PASSWORD": "REPLACE_ME"}


def test_configmap_holds_every_non_secret_variable(config: dict[str, str]) -> None:
    assert set(config) == set(CONTRACT) - {"NEO4J_PASSWORD"}
    for var, value in config.items():
        assert isinstance(value, str), f"{var} must be a string in a ConfigMap"
        if var not in ADDRESS_VARS:
            assert value == CONTRACT[var], var


EXPECTED_PROBES = {
    # deployment: (port variable, module)
    "ingest-api": ("INGEST_API_PORT", "ingest_api"),
    "graph-writer": ("GRAPH_WRITER_HEALTH_PORT", "graph_writer"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBES))
def test_deployment_probes_match_contract(
    name: str, k8s: list[dict[str, Any]], config: dict[str, str]
) -> None:
    port_var, module = EXPECTED_PROBES[name]
    container = _container(_one(k8s, "Deployment", name))
    assert container["command"] == ["python", "-m", module]
    expected_port = int(config[port_var])
    for probe, path in (
        ("readinessProbe", "/health/ready"),
        ("livenessProbe", "/health"),
        ("startupProbe", "/health"),
    ):
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{name} {probe}"
        assert _port_number(container, get["port"]) == expected_port, f"{name} {probe} port"
    # startup must allow a slow start; liveness must not be stricter than readiness
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBES))
def test_deployment_security_context(name: str, k8s: list[dict[str, Any]]) -> None:
    deployment = _one(k8s, "Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    sc = _container(deployment)["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["runAsNonRoot"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert sc["seccompProfile"]["type"] == "RuntimeDefault"
    mounts = {m["name"]: m["mountPath"] for m in _container(deployment)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    tmp = [n for n, p in mounts.items() if p == "/tmp"]
    assert tmp, "no volume mounted at /tmp"
    assert "emptyDir" in volumes[tmp[0]], "writable /tmp must be an emptyDir"


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBES))
def test_deployment_resources_and_config_wiring(name: str, k8s: list[dict[str, Any]]) -> None:
    deployment = _one(k8s, "Deployment", name)
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    container = _container(deployment)
    res = container["resources"]
    assert 0 < _cpu(res["requests"]["cpu"]) <= _cpu(res["limits"]["cpu"]) <= 2
    assert 0 < _memory(res["requests"]["memory"]) <= _memory(res["limits"]["memory"]) <= 2**30
    assert container["image"] == _kustomization(K8S_BASE)["images"][0]["name"]
    assert container["envFrom"] == [{"configMapRef": {"name": "blueprintgraph-config"}}]
    (password,) = [e for e in container["env"] if e["name"] == "NEO4J_PASSWORD"]
    example = yaml.safe_load((K8S_BASE / "secret.example.yaml").read_text())
    ref = password["valueFrom"]["secretKeyRef"]
    assert ref["name"] == example["metadata"]["name"]
    assert ref["key"] in example["stringData"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]


def test_writer_grace_period_exceeds_shutdown_timeout(
    k8s: list[dict[str, Any]], config: dict[str, str]
) -> None:
    pod = _one(k8s, "Deployment", "graph-writer")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 45
    assert pod["terminationGracePeriodSeconds"] > int(config["WRITER_SHUTDOWN_TIMEOUT_S"])
    strategy = _one(k8s, "Deployment", "graph-writer")["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxSurge"] == 0, "a surge writer could exceed the partition count"


def test_ingest_api_prestop_sleeps_before_drain(k8s: list[dict[str, Any]]) -> None:
    deployment = _one(k8s, "Deployment", "ingest-api")
    pod = deployment["spec"]["template"]["spec"]
    command = _container(deployment)["lifecycle"]["preStop"]["exec"]["command"]
    assert command == ["python", "-c", "import time; time.sleep(5)"]
    match = re.search(r"sleep\((\d+(?:\.\d+)?)\)", command[2])
    assert match
    sleep = float(match.group(1))
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["terminationGracePeriodSeconds"] > sleep


def test_services_select_the_pods_and_target_real_ports(
    k8s: list[dict[str, Any]], config: dict[str, str]
) -> None:
    for name, port_var, headless in (
        ("ingest-api", "INGEST_API_PORT", False),
        ("graph-writer", "GRAPH_WRITER_HEALTH_PORT", True),
    ):
        svc = _one(k8s, "Service", name)["spec"]
        deployment = _one(k8s, "Deployment", name)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert svc["selector"].items() <= labels.items()
        assert (svc.get("clusterIP") == "None") is headless
        (port,) = svc["ports"]
        assert port["port"] == int(config[port_var])
        assert _port_number(_container(deployment), port["targetPort"]) == int(config[port_var])
    assert _one(k8s, "Service", "ingest-api")["spec"]["type"] == "ClusterIP"


def test_pdbs_cover_both_deployments(k8s: list[dict[str, Any]]) -> None:
    pdbs = [o for o in k8s if o["kind"] == "PodDisruptionBudget"]
    for name in EXPECTED_PROBES:
        labels = _one(k8s, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        matching = [
            p for p in pdbs if p["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(matching) == 1, name
        spec = matching[0]["spec"]
        assert spec.get("maxUnavailable") == 1 or spec.get("minAvailable") is not None


def test_ingest_api_hpa_on_cpu(k8s: list[dict[str, Any]]) -> None:
    hpas = [o for o in k8s if o["kind"] == "HorizontalPodAutoscaler"]
    assert [h["spec"]["scaleTargetRef"]["name"] for h in hpas] == ["ingest-api"]
    (hpa,) = hpas
    assert hpa["apiVersion"] == "autoscaling/v2"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["averageUtilization"] == 70
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_keda_scales_writer_on_lag_within_partition_count(
    k8s: list[dict[str, Any]], config: dict[str, str]
) -> None:
    so = _one(k8s, "ScaledObject", "graph-writer")
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    spec = so["spec"]
    assert spec["scaleTargetRef"]["name"] == "graph-writer"
    assert spec["maxReplicaCount"] == 6
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    assert spec["maxReplicaCount"] <= int(config["KAFKA_TOPIC_PARTITIONS"])
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert int(meta["lagThreshold"]) > 0
    assert meta["allowIdleConsumers"] == "false"
    for key, var in (
        ("bootstrapServersFromEnv", "KAFKA_BOOTSTRAP_SERVERS"),
        ("consumerGroupFromEnv", "KAFKA_CONSUMER_GROUP"),
        ("topicFromEnv", "KAFKA_TOPIC_INPUT"),
    ):
        assert meta[key] == var
        assert var in config
    text = (K8S_BASE / "graph-writer-scaledobject.yaml").read_text()
    assert "idle" in text, "maxReplicaCount needs its partition-count comment"


def test_example_overlay(config: dict[str, str]) -> None:
    kust = _kustomization(K8S_OVERLAY)
    assert kust["namespace"]
    assert "../../base" in kust["resources"]
    (image,) = kust["images"]
    assert image["name"] == "blueprintgraph-ingest"
    assert image["newTag"]
    patches = {}
    for patch in kust["patches"]:
        path = K8S_OVERLAY / patch["path"]
        assert path.is_file(), path
        doc = yaml.safe_load(path.read_text())
        patches[doc["kind"]] = doc
    data = patches["ConfigMap"]["data"]
    assert set(data) <= set(config), "patch must not invent variables"
    assert data["KAFKA_BOOTSTRAP_SERVERS"] == "my-cluster-kafka-bootstrap.kafka:9092"
    assert data["NEO4J_URI"] == "neo4j://neo4j.neo4j:7687"
    partitions = int(data.get("KAFKA_TOPIC_PARTITIONS", config["KAFKA_TOPIC_PARTITIONS"]))
    so = patches["ScaledObject"]["spec"]
    assert so["minReplicaCount"] <= so["maxReplicaCount"] <= partitions
    hpa = patches["HorizontalPodAutoscaler"]["spec"]
    assert hpa["minReplicas"] <= hpa["maxReplicas"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_overlay_renders_with_kubectl_kustomize() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S_OVERLAY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    namespace = _kustomization(K8S_OVERLAY)["namespace"]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert len(deployments) == 2
    for d in deployments:
        image = _container(d)["image"]
        assert image.startswith("registry.example.com/"), image
        assert image.endswith(":0.1.0"), image
    assert not [d for d in docs if d["kind"] == "Secret"]
