"""Static checks of the monitoring files (no Docker engine, no Prometheus, no Grafana).

Every metric a dashboard panel or an alert asks for must be one the services export,
with the labels it is grouped by; Prometheus must scrape the compose services on
their real ports; the compose `observability` profile must mount files that exist.
With promtool on PATH (or PROMTOOL set) the rules and their unit tests also run.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

import graph_writer.metrics
import ingest_api.metrics
from tests.programs import find_program, missing_reason

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OBS = DEPLOY / "observability"
PROMETHEUS_YML = OBS / "prometheus" / "prometheus.yml"
RULES_DIR = OBS / "prometheus" / "rules"
RULES_TESTS = OBS / "prometheus" / "tests"
DASHBOARD = OBS / "grafana" / "dashboards" / "blueprintgraph.json"
DATASOURCES = OBS / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = OBS / "grafana" / "provisioning" / "dashboards" / "blueprintgraph.yml"
OPERATIONS = ROOT / "docs" / "operations.md"

# Labels Prometheus adds to every scraped series.
TARGET_LABELS = frozenset({"job", "instance"})
# Series Prometheus makes itself, not the services.
SYNTHETIC = {"up": frozenset[str]()}
PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless"}
    | {"bool", "offset", "inf", "nan"}
)
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}


# --------------------------------------------------------------------------- helpers


def exported_series() -> dict[str, frozenset[str]]:
    """Every series name the two services can expose, with its label names."""
    series: dict[str, frozenset[str]] = {}
    for module in (ingest_api.metrics, graph_writer.metrics):
        for obj in vars(module).values():
            if not isinstance(obj, MetricWrapperBase):
                continue
            (family,) = obj.describe()
            labels = frozenset(obj._labelnames)
            for suffix in SUFFIXES[family.type]:
                series[family.name + suffix] = labels | (
                    {"le"} if suffix == "_bucket" else frozenset()
                )
    return series


def strip_promql(expr: str) -> str:
    """The expression without strings, label matchers, ranges and grouping clauses."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    return re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", " ", expr)


def series_in(expr: str) -> set[str]:
    bare = strip_promql(expr)
    names = set()
    for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][\w:]*)\b(?!\s*\()", bare):
        word = match.group(1)
        if word.lower() not in PROMQL_WORDS:
            names.add(word)
    return names


def matcher_labels(expr: str) -> list[tuple[str, set[str]]]:
    """(series, label names) for every `series{label=...}` selector."""
    found = []
    for match in re.finditer(r"([a-zA-Z_:][\w:]*)\{([^}]*)\}", expr):
        labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", match.group(2)))
        found.append((match.group(1), labels))
    return found


def grouping_labels(expr: str) -> set[str]:
    labels: set[str] = set()
    for match in re.finditer(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        labels |= {label.strip() for label in match.group(1).split(",") if label.strip()}
    return labels


def check_expr(expr: str, where: str, series: dict[str, frozenset[str]]) -> None:
    known = {**series, **SYNTHETIC}
    used = series_in(expr)
    assert used, f"{where}: no series in {expr!r}"
    unknown = used - set(known)
    assert not unknown, f"{where}: unknown series {sorted(unknown)} in {expr!r}"
    for name, labels in matcher_labels(expr):
        assert name in known, f"{where}: unknown series {name}"
        assert labels <= known[name] | TARGET_LABELS, f"{where}: {name} has no {labels}"
    available = set().union(*(known[name] for name in used)) | TARGET_LABELS
    missing = grouping_labels(expr) - available
    assert not missing, f"{where}: grouping by {sorted(missing)}, which {sorted(used)} lack"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def compose() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(DEPLOY / "docker-compose.yml")
    return data


def bind_mounts(service: dict[str, Any]) -> dict[str, Path]:
    """Container path -> host path of every bind mount, ${VAR:-default} at its default."""
    mounts = {}
    for volume in service.get("volumes", []):
        default = re.match(r"\$\{\w+:-([^}]+)\}:", volume)
        if default:
            source, target = default.group(1), volume[default.end() :].split(":")[0]
        else:
            source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts[target] = (DEPLOY / source).resolve()
    return mounts


def rules() -> list[dict[str, Any]]:
    found = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in load_yaml(path)["groups"]:
            found.extend(group["rules"])
    return found


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def panel_targets() -> list[tuple[str, str]]:
    return [
        (f"panel {panel['id']} ({panel['title']})", target["expr"])
        for panel in dashboard()["panels"]
        for target in panel.get("targets", [])
    ]


# --------------------------------------------------------------------------- metric names


def test_the_name_check_knows_the_exported_series() -> None:
    """Guards the helpers: a check that knows no series would pass anything."""
    series = exported_series()
    assert "graph_writer_consumer_lag" in series
    assert series["graph_writer_consumer_lag"] == {"partition"}
    assert "ingest_requests_total" in series
    assert series["ingest_request_seconds_bucket"] == {"route", "le"}
    assert "ingest_requests" not in series
    with pytest.raises(AssertionError, match="unknown series"):
        check_expr("rate(graph_writer_events_writen_total[5m])", "typo", series)
    with pytest.raises(AssertionError, match="grouping"):
        check_expr("sum by (route) (graph_writer_consumer_lag)", "label", series)
    with pytest.raises(AssertionError, match="has no"):
        check_expr('ingest_events_total{route="/x"}', "matcher", series)


@pytest.mark.parametrize(("where", "expr"), panel_targets())
def test_dashboard_queries_use_exported_series(where: str, expr: str) -> None:
    check_expr(expr, where, exported_series())


@pytest.mark.parametrize("rule", rules(), ids=lambda r: str(r.get("alert") or r.get("record")))
def test_alert_expressions_use_exported_series(rule: dict[str, Any]) -> None:
    check_expr(rule["expr"], rule["alert"], exported_series())


def test_dashboard_covers_every_area_of_the_pipeline() -> None:
    used = set().union(*(series_in(expr) for _, expr in panel_targets()))
    expected = {
        "ingest_requests_total",
        "ingest_events_total",
        "ingest_kafka_send_seconds_bucket",
        "ingest_kafka_breaker_open",
        "graph_writer_events_written_total",
        "graph_writer_neo4j_write_seconds_bucket",
        "graph_writer_batch_size_bucket",
        "graph_writer_consumer_lag",
        "graph_writer_dead_letters_total",
        "graph_writer_write_retries_total",
        "graph_writer_batch_splits_total",
        "graph_writer_shutdown_seconds",
    }
    assert expected <= used, sorted(expected - used)


# --------------------------------------------------------------------------- dashboard


def test_dashboard_json_is_well_formed() -> None:
    dash = dashboard()
    assert dash["uid"]
    assert dash["title"]
    panels = dash["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    (datasource,) = load_yaml(DATASOURCES)["datasources"]
    for panel in panels:
        assert panel["title"], panel["id"]
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert ref_ids, panel["title"]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"], panel["title"]
            assert target["expr"].strip(), panel["title"]


# --------------------------------------------------------------------------- alerts


EXPECTED_ALERTS = {
    "BlueprintGraphTargetDown",
    "GraphWriterAbsent",
    "GraphWriterNotReady",
    "GraphWriterNeo4jDown",
    "GraphWriterLagHigh",
    "GraphWriterLagGrowing",
    "GraphWriterStalled",
    "GraphWriterDeadLetters",
    "GraphWriterNeo4jWriteSlow",
    "GraphWriterEventsStale",
    "IngestKafkaBreakerOpen",
    "IngestKafkaBreakerFlapping",
    "IngestServerErrors",
    "IngestUnavailable",
    "IngestThrottling",
    "IngestKafkaSendSlow",
}


def test_alerts_are_complete_and_each_has_a_runbook() -> None:
    alerts = {r["alert"]: r for r in rules()}
    assert set(alerts) == EXPECTED_ALERTS
    headings = set(re.findall(r"^### (\w+)$", OPERATIONS.read_text(), re.M))
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{name.lower()}", name
        assert name in headings, f"docs/operations.md has no '### {name}' runbook"


# --------------------------------------------------------------------------- prometheus.yml


def test_prometheus_scrapes_the_compose_services_on_their_ports() -> None:
    config = load_yaml(PROMETHEUS_YML)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"ingest_api", "graph_writer"}
    services = compose()["services"]
    app_env = compose()["x-app-env"]
    api_port = re.fullmatch(r"\$\{INGEST_API_PORT:-(\d+)\}", app_env["INGEST_API_PORT"])
    writer_port = re.fullmatch(
        r"\$\{GRAPH_WRITER_HEALTH_PORT:-(\d+)\}", app_env["GRAPH_WRITER_HEALTH_PORT"]
    )
    assert api_port
    assert writer_port

    (static,) = jobs["ingest_api"]["static_configs"]
    (target,) = static["targets"]
    host, port = target.split(":")
    assert host in services
    assert services[host]["command"][-1] == "ingest_api"
    assert port == api_port.group(1)

    # DNS discovery, not a static target: every replica of a scaled service is found.
    assert "static_configs" not in jobs["graph_writer"]
    (dns,) = jobs["graph_writer"]["dns_sd_configs"]
    assert dns["type"] == "A"
    (name,) = dns["names"]
    assert name in services
    assert services[name]["command"][-1] == "graph_writer"
    assert str(dns["port"]) == writer_port.group(1)
    assert services[name]["expose"] == ["${GRAPH_WRITER_HEALTH_PORT:-8002}"]
    for job in jobs.values():
        assert job["metrics_path"] == "/metrics"


def test_prometheus_finds_its_rules_and_key_file_in_the_container() -> None:
    config = load_yaml(PROMETHEUS_YML)
    mounts = bind_mounts(compose()["services"]["prometheus"])
    assert mounts["/etc/prometheus/prometheus.yml"] == PROMETHEUS_YML
    (pattern,) = config["rule_files"]
    directory, glob = pattern.rsplit("/", 1)
    assert mounts[directory] == RULES_DIR
    assert list(RULES_DIR.glob(glob)), f"{pattern} matches no file"
    key_file = config["scrape_configs"][0]["authorization"]["credentials_file"]
    assert key_file in mounts
    assert mounts[key_file].is_file()


# --------------------------------------------------------------------------- compose profile


def test_observability_services_only_in_their_profile() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if name in {"prometheus", "grafana"}:
            assert service["profiles"] == ["observability"], name
        elif name == "graph_retention":
            # A one-shot job run on a schedule (docs/operations.md), never by `make up`.
            assert service["profiles"] == ["retention"], name
        else:
            assert "profiles" not in service, f"{name} would not start with plain `make up`"


def test_observability_mounts_exist() -> None:
    services = compose()["services"]
    for name in ("prometheus", "grafana"):
        mounts = bind_mounts(services[name])
        assert mounts, name
        for target, source in mounts.items():
            assert source.exists(), f"{name}: {source} (for {target}) does not exist"


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    services = compose()["services"]
    grafana = services["grafana"]
    mounts = bind_mounts(grafana)
    assert mounts["/etc/grafana/provisioning/datasources"] == DATASOURCES.parent
    assert mounts["/etc/grafana/provisioning/dashboards"] == DASHBOARD_PROVIDERS.parent
    (datasource,) = load_yaml(DATASOURCES)["datasources"]
    assert datasource["type"] == "prometheus"
    match = re.fullmatch(r"http://([\w-]+):(\d+)", datasource["url"])
    assert match
    assert match.group(1) in services
    ports = [str(p).rsplit(":", 1)[-1] for p in services[match.group(1)]["ports"]]
    assert match.group(2) in ports
    (provider,) = load_yaml(DASHBOARD_PROVIDERS)["providers"]
    assert mounts[provider["options"]["path"]] == DASHBOARD.parent
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    directory, file_name = home.rsplit("/", 1)
    assert (mounts[directory] / file_name).is_file()
    assert grafana["depends_on"] == {"prometheus": {"condition": "service_healthy"}}


def test_make_targets_for_the_profile() -> None:
    text = (DEPLOY / "compose.mk").read_text()
    up = text.split("\nup-observability: compose-preflight\n", 1)[1].split("\n\n", 1)[0]
    assert "$(COMPOSE) --profile observability up" in up
    assert "--wait" in up
    down = text.split("\ndown: compose-preflight\n", 1)[1].split("\n\n", 1)[0]
    assert "--profile observability down" in down, "down must also remove the profile's services"
    assert "up-observability" in (ROOT / "Makefile").read_text()


# --------------------------------------------------------------------------- kubernetes


def test_servicemonitor_example_selects_the_services_by_port_name() -> None:
    base = DEPLOY / "k8s" / "base"
    assert "servicemonitor.example.yaml" not in load_yaml(base / "kustomization.yaml")["resources"]
    monitors = list(yaml.safe_load_all((base / "servicemonitor.example.yaml").read_text()))
    for monitor in monitors:
        name = monitor["metadata"]["name"]
        service = load_yaml(base / f"{name}-service.yaml")
        assert monitor["spec"]["selector"]["matchLabels"].items() <= (
            service["metadata"]["labels"].items()
        )
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
        assert endpoint["path"] == "/metrics"
    assert {m["metadata"]["name"] for m in monitors} == {"ingest-api", "graph-writer"}


# --------------------------------------------------------------------------- promtool


def promtool() -> str | None:
    return find_program("promtool")


@pytest.mark.skipif(promtool() is None, reason=missing_reason("promtool"))
@pytest.mark.parametrize(
    "args",
    [
        ["check", "rules", str(RULES_DIR / "blueprintgraph.yml")],
        ["check", "config", "--syntax-only", str(PROMETHEUS_YML)],
        ["test", "rules", str(RULES_TESTS / "blueprintgraph_test.yml")],
    ],
    ids=["check-rules", "check-config", "test-rules"],
)
def test_promtool(args: list[str]) -> None:
    tool = promtool()
    assert tool is not None
    out = subprocess.run(
        [tool, *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )
    assert out.returncode == 0, out.stdout + out.stderr
