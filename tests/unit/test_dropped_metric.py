"""ingest_dropped_fields_total: one increment per dropped field, by top-level field."""

from __future__ import annotations

from prometheus_client import REGISTRY

from ingest_api import metrics


def _value(field: str) -> float:
    return REGISTRY.get_sample_value("ingest_dropped_fields_total", {"field": field}) or 0.0


def test_each_dropped_field_counts_under_its_top_level_field() -> None:
    before = _value("src_endpoint"), _value("observables")
    metrics.count_dropped("src_endpoint.ip")
    metrics.count_dropped("src_endpoint.port")
    metrics.count_dropped("observables[2].value")
    assert (_value("src_endpoint"), _value("observables")) == (before[0] + 2, before[1] + 1)


def test_client_chosen_fields_cannot_grow_the_series_without_bound() -> None:
    for i in range(300):
        metrics.count_dropped(f"field_{i}.x")
    labels = {
        s.labels["field"]
        for family in REGISTRY.collect()
        if family.name == "ingest_dropped_fields"
        for s in family.samples
    }
    assert "other" in labels
    assert len(labels) <= 101
