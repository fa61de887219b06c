from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graph_writer.retention import RetentionSettings
from graph_writer.retention_plan import RetentionReport, log_fields, metrics_text, plan_for

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


def test_off_without_days() -> None:
    assert plan_for(None, NOW, 100) is None


def test_cutoff_is_days_before_now() -> None:
    plan = plan_for(30, NOW, 500)
    assert plan is not None
    assert plan.cutoff == NOW - timedelta(days=30)
    assert plan.batch_size == 500


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_for(1, NOW.replace(tzinfo=None), 10)


@pytest.mark.parametrize(("days", "batch"), [(0, 10), (1, 0)])
def test_non_positive_values_are_refused(days: int, batch: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        plan_for(days, NOW, batch)


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_days_variable_means_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_RETENTION_DAYS", value)
    assert RetentionSettings().graph_retention_days is None


def test_days_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_RETENTION_DAYS", "90")
    monkeypatch.setenv("GRAPH_RETENTION_BATCH_SIZE", "250")
    settings = RetentionSettings()
    assert settings.graph_retention_days == 90
    assert settings.graph_retention_batch_size == 250


def _report(succeeded: bool) -> RetentionReport:
    return RetentionReport(
        cutoff=NOW - timedelta(days=7),
        events_deleted=1200,
        associations_deleted=3,
        entities_deleted=40,
        relationships_deleted=2500,
        seconds=1.5,
        succeeded=succeeded,
    )


def test_metrics_of_a_run() -> None:
    text = metrics_text(_report(True), NOW)
    assert 'graph_retention_deleted_total{kind="event"} 1200.0' in text
    assert 'graph_retention_deleted_total{kind="entity"} 40.0' in text
    assert 'graph_retention_deleted_total{kind="association"} 3.0' in text
    assert 'graph_retention_deleted_total{kind="relationship"} 2500.0' in text
    assert "graph_retention_duration_seconds 1.5" in text
    assert "graph_retention_last_run_success 1.0" in text
    assert "graph_retention_last_run_timestamp_seconds 1.7734824e+09" in text


def test_failed_run_is_reported_as_such() -> None:
    assert "graph_retention_last_run_success 0.0" in metrics_text(_report(False), NOW)
    assert log_fields(_report(False))["succeeded"] is False
