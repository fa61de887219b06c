"""The seven benchmark stages. Each measures the system and its baseline in the same run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bench.stages_common import Context, StageResult
from bench.stages_direct import stage5
from bench.stages_floor import stage7
from bench.stages_http import stage1, stage2, stage6
from bench.stages_writer import stage3, stage4

STAGES: dict[int, Callable[[Context], Awaitable[StageResult]]] = {
    1: stage1,
    2: stage2,
    3: stage3,
    4: stage4,
    5: stage5,
    6: stage6,
    7: stage7,
}
