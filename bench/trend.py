"""Is a memory series growing? Pure arithmetic over (seconds, MiB) samples."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# A process is judged to grow only when both hold: the fitted line rises faster than
# SLOPE_LIMIT (a slope alone is swayed by one early allocator step), and the median of the
# last quarter exceeds the first quarter's by more than RATIO_LIMIT (a ratio alone hides
# a slow leak in a large process). 10 MiB/h is 240 MiB a day: a pod with a few hundred
# MiB of headroom would be killed within days, which a soak must catch.
SLOPE_LIMIT_MIB_PER_H: Final = 10.0
RATIO_LIMIT: Final = 1.03
# Below this window (after warm-up) a slope in MiB/h is mostly noise: no verdict.
MIN_WINDOW_S: Final = 600.0
MIN_POINTS: Final = 8


@dataclass(frozen=True)
class Trend:
    points: int
    window_s: float
    slope_mib_per_h: float
    first_quarter_median_mib: float
    last_quarter_median_mib: float
    ratio: float
    verdict: str  # "no growth", "growth", or "too short to judge"

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "points": self.points,
            "window_s": round(self.window_s, 1),
            "slope_mib_per_h": round(self.slope_mib_per_h, 2),
            "first_quarter_median_mib": round(self.first_quarter_median_mib, 2),
            "last_quarter_median_mib": round(self.last_quarter_median_mib, 2),
            "ratio": round(self.ratio, 4),
            "verdict": self.verdict,
        }


def slope_per_hour(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of value over time, per hour (0 for fewer than two instants)."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return 3600 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def memory_trend(points: Sequence[tuple[float, float]]) -> Trend:
    """Trend of (seconds, MiB) samples in time order, already stripped of the warm-up."""
    if not points:
        return Trend(0, 0.0, 0.0, 0.0, 0.0, 1.0, "too short to judge")
    quarter = max(1, len(points) // 4)
    first = statistics.median(v for _, v in points[:quarter])
    last = statistics.median(v for _, v in points[-quarter:])
    slope = slope_per_hour(points)
    ratio = last / first if first > 0 else 1.0
    window = points[-1][0] - points[0][0]
    if window < MIN_WINDOW_S or len(points) < MIN_POINTS:
        verdict = "too short to judge"
    elif slope > SLOPE_LIMIT_MIB_PER_H and ratio > RATIO_LIMIT:
        verdict = "growth"
    else:
        verdict = "no growth"
    return Trend(len(points), window, slope, first, last, ratio, verdict)
