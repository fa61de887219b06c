"""Quantiles of a Prometheus histogram read from two expositions, as Prometheus computes them."""

from __future__ import annotations

import pytest

from bench.stages_common import histogram_buckets, histogram_quantile

NAME = "graph_writer_event_freshness_seconds"


def _exposition(counts: dict[str, float]) -> str:
    lines = [f"# TYPE {NAME} histogram"]
    lines += [f'{NAME}_bucket{{le="{le}"}} {count}' for le, count in counts.items()]
    return "\n".join([*lines, f"{NAME}_count {max(counts.values())}", f"{NAME}_sum 1.0"])


BEFORE = _exposition({"0.05": 10.0, "0.1": 10.0, "0.2": 10.0, "+Inf": 10.0})
AFTER = _exposition({"0.05": 60.0, "0.1": 100.0, "0.2": 110.0, "+Inf": 110.0})


def test_the_buckets_since_an_earlier_text_are_the_difference_in_bound_order() -> None:
    assert histogram_buckets(AFTER, NAME, BEFORE) == [
        (0.05, 50.0),
        (0.1, 90.0),
        (0.2, 100.0),
        (float("inf"), 100.0),
    ]
    assert histogram_buckets("", NAME) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.5, 0.05), (0.25, 0.025), (0.7, 0.075), (0.95, 0.15), (1.0, 0.2)],
)
def test_a_quantile_is_interpolated_in_its_bucket(q: float, expected: float) -> None:
    value = histogram_quantile(histogram_buckets(AFTER, NAME, BEFORE), q)
    assert value == pytest.approx(expected)


def test_a_quantile_past_the_last_finite_bound_is_that_bound() -> None:
    buckets = [(0.1, 5.0), (1.0, 5.0), (float("inf"), 10.0)]
    assert histogram_quantile(buckets, 0.99) == 1.0


def test_no_observations_have_no_quantile() -> None:
    assert histogram_quantile(histogram_buckets(BEFORE, NAME, BEFORE), 0.5) is None
    assert histogram_quantile([], 0.5) is None
