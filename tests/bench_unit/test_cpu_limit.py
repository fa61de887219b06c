"""The CPU cap stage 3 puts on writers, and how the report judges the scaling target."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.cpu_limit import CpuCgroups, cpu_limited, quota_files
from bench.report import table_rows


def test_quota_files_cap_each_period_at_the_share_of_a_core() -> None:
    assert quota_files(0.2, 1) == {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "20000"}
    assert quota_files(1.5, 2) == {"cpu.max": "150000 100000"}
    # The kernel refuses a quota under 1 ms.
    assert quota_files(0.001, 2) == {"cpu.max": "1000 100000"}
    with pytest.raises(ValueError, match="positive"):
        quota_files(0, 1)


def test_find_prefers_v1_then_v2_and_says_why_when_neither(tmp_path: Path) -> None:
    v1, v2 = tmp_path / "cpu", tmp_path / "unified"
    v1.mkdir()
    v2.mkdir()
    (v2 / "cgroup.subtree_control").write_text("memory pids\n")
    assert isinstance(CpuCgroups.find(v1, v2), str)
    (v2 / "cgroup.subtree_control").write_text("cpu memory pids\n")
    assert CpuCgroups.find(v1, v2) == CpuCgroups(v2, 2)
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert CpuCgroups.find(v1, v2) == CpuCgroups(v1, 1)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_capped_busy_loop_gets_about_its_share_of_a_core() -> None:
    groups = CpuCgroups.find()
    if isinstance(groups, str):
        pytest.skip(groups)
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with cpu_limited(groups, {"test-spin": spin.pid}, 0.2):
            before, started = _cpu_seconds(spin.pid), time.monotonic()
            time.sleep(1.5)
            share = (_cpu_seconds(spin.pid) - before) / (time.monotonic() - started)
            assert (groups.root / "blueprintgraph-bench-test-spin").is_dir()
        assert share < 0.45  # uncapped it would take a whole core
        assert not (groups.root / "blueprintgraph-bench-test-spin").exists()
        # Back in the root group, uncapped again.
        assert str(spin.pid) in (groups.root / "cgroup.procs").read_text().split()
    finally:
        spin.kill()
        spin.wait()


def _stage3(**extra: Any) -> dict[str, Any]:
    details = {"two_vs_one": 1.01, "two_writers_events_per_s": 2020.0, **extra}
    return {
        "stage": 3,
        "name": "graph_writer drain",
        "unit": "events/s",
        "measured": 2000.0,
        "baseline": 1500.0,
        "ratio": 1.33,
        "target": ">= 85%",
        "met": True,
        "details": {**details, "best_batch_size": 1000},
    }


def test_the_scaling_target_is_judged_on_the_capped_writers() -> None:
    capped = _stage3(
        writer_cpu_cap_cores=0.2,
        two_vs_one_capped=1.7,
        writers_1_capped={"events_per_s": 700.0},
        writers_2_capped={"events_per_s": 1190.0},
    )
    rows = {row[0]: row for row in table_rows([capped])}
    assert rows["3b"][4] == "1.70x"
    assert rows["3b"][6] == "met"
    assert "0.2 of a core" in rows["3b"][1]
    assert rows["3c"][4] == "1.01x"
    assert rows["3c"][6] == "n/a"


def test_without_a_cgroup_the_report_says_the_capped_run_is_missing() -> None:
    rows = {r[0]: r for r in table_rows([_stage3(capped_unavailable="no writable cpu cgroup")])}
    assert rows["3b"][6] == "not measured: no writable cpu cgroup"
    # A run from before the capped runs existed keeps its one row, judged as it was.
    (old,) = [r for r in table_rows([_stage3()]) if r[0] == "3b"]
    assert old[4] == "1.01x"
    assert old[6] == "**missed**"
