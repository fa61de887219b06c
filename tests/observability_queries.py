"""The PromQL the Grafana dashboard and the alert rules run, read from the shipped files.

Shared by the static checks and the test against a real Prometheus
(tests/integration/test_prometheus.py); kept apart from either so both can move.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OBS = ROOT / "deploy" / "observability"
PROMETHEUS_YML = OBS / "prometheus" / "prometheus.yml"
RULES_DIR = OBS / "prometheus" / "rules"
DASHBOARD = OBS / "grafana" / "dashboards" / "blueprintgraph.json"

# Grafana's own variables, at values a short test run can fill.
GRAFANA_VARIABLES = {"$__rate_interval": "30s", "$__range": "10m", "$__interval": "15s"}

_COMPARISON = re.compile(r"\s*(?:==|!=|>=|<=|>|<)\s*[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", re.I)
_SUBQUERY = re.compile(r"^\w+\((.*)\[[^\]:]+:[^\]]*\]\)$", re.S)
_ABSENT = re.compile(r"^absent\((.*)\)$", re.S)


def alert_rules() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(group["rules"])
    return found


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, expr) of every panel target, Grafana variables filled in."""
    dashboard = json.loads(DASHBOARD.read_text())
    queries = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            queries.append((f"panel {panel['id']} ({panel['title']}) {target['refId']}", expr))
    return queries


def alert_signals(expr: str) -> list[str]:
    """What an alert watches, as queries that return series on a healthy pipeline.

    An alert expression returns nothing until it fires, so each operand of and/or/unless is
    taken without its threshold comparison; absent(x) becomes x, and a subquery (whose step
    may be longer than a test runs) becomes the expression it samples.
    """
    signals = []
    for part in re.split(r"\b(?:and|or|unless)\b", expr):
        signal = _COMPARISON.sub("", " ".join(part.split()))
        for pattern in (_ABSENT, _SUBQUERY):
            match = pattern.match(signal)
            if match:
                signal = match.group(1).strip()
        signals.append(signal)
    return signals
