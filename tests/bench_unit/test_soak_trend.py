"""The soak's memory-growth verdict: least-squares slope and quarter medians."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from bench.trend import memory_trend, slope_per_hour


def series(
    minutes: float, every_s: float, value: Callable[[float], float]
) -> list[tuple[float, float]]:
    return [(t, value(t)) for t in (every_s * k for k in range(int(minutes * 60 / every_s)))]


def test_slope_of_an_exact_line_is_its_rate_per_hour() -> None:
    points = [(t, 100 + t / 360) for t in range(0, 1800, 10)]  # 10 MiB per hour
    assert slope_per_hour(points) == pytest.approx(10.0)


def test_slope_needs_two_instants() -> None:
    assert slope_per_hour([]) == 0.0
    assert slope_per_hour([(5.0, 80.0), (5.0, 90.0)]) == 0.0


def test_flat_noisy_memory_is_no_growth() -> None:
    points = series(27, 10, lambda t: 80 + 0.5 * math.sin(t / 37))
    trend = memory_trend(points)
    assert trend.verdict == "no growth"
    assert abs(trend.slope_mib_per_h) < 2
    assert trend.ratio == pytest.approx(1.0, abs=0.01)


def test_a_steady_leak_is_growth() -> None:
    points = series(27, 10, lambda t: 80 + 40 * t / 3600)  # 40 MiB/h
    trend = memory_trend(points)
    assert trend.verdict == "growth"
    assert trend.slope_mib_per_h == pytest.approx(40.0)
    assert trend.last_quarter_median_mib > trend.first_quarter_median_mib


def test_one_early_allocator_step_then_flat_is_no_growth() -> None:
    # The fitted slope is steep, but the quarters agree: the process stopped growing.
    points = series(27, 10, lambda t: 80 if t < 120 else 100)
    trend = memory_trend(points)
    assert trend.slope_mib_per_h > 10
    assert trend.ratio == pytest.approx(1.0)
    assert trend.verdict == "no growth"


def test_a_short_window_gets_no_verdict() -> None:
    assert memory_trend(series(5, 10, lambda t: 80 + t)).verdict == "too short to judge"
    assert memory_trend([]).verdict == "too short to judge"
