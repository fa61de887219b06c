"""CPU quotas for bench processes through the kernel's cpu cgroup, as a Kubernetes CPU
limit caps a pod.

On this 2-core machine one uncapped writer already keeps both cores busy beside Neo4j,
so a second one can only share them. Holding each writer to a fixed fraction of a core
makes a second writer bring CPU of its own, as a second replica does on a cluster, and
leaves Neo4j room: the condition under which the scaling target is stated.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

PERIOD_US = 100_000
_PREFIX = "blueprintgraph-bench-"


@dataclass(frozen=True)
class CpuCgroups:
    """A cgroup hierarchy with the cpu controller that this process may write to."""

    root: Path
    version: int  # 1: the cpu controller's own hierarchy; 2: the unified one

    @classmethod
    def find(
        cls, v1: Path = Path("/sys/fs/cgroup/cpu"), v2: Path = Path("/sys/fs/cgroup")
    ) -> CpuCgroups | str:
        """The writable hierarchy, or why there is none (a line for the report)."""
        if (v1 / "cpu.cfs_quota_us").is_file() and os.access(v1, os.W_OK):
            return cls(v1, 1)
        control = v2 / "cgroup.subtree_control"
        if control.is_file() and "cpu" in control.read_text().split() and os.access(v2, os.W_OK):
            return cls(v2, 2)
        return "no writable cpu cgroup (needs root, and cgroup v1's cpu or v2's cpu controller)"


def quota_files(cores: float, version: int) -> dict[str, str]:
    """What to write into a cgroup so its processes get at most `cores` of CPU time."""
    if not cores > 0:
        raise ValueError(f"a CPU quota must be positive, got {cores}")
    quota = max(1_000, round(cores * PERIOD_US))  # the kernel's minimum is 1 ms
    if version == 1:
        return {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": str(quota)}
    return {"cpu.max": f"{quota} {PERIOD_US}"}


@contextmanager
def cpu_limited(groups: CpuCgroups, pids: Mapping[str, int], cores: float) -> Iterator[None]:
    """Each process of `pids` in a cgroup of its own, capped at `cores`; on exit the
    processes go back to the root group and the cgroups are removed."""
    made: list[Path] = []
    try:
        for name, pid in pids.items():
            path = groups.root / f"{_PREFIX}{name}"
            path.mkdir(exist_ok=True)
            made.append(path)
            for file, value in quota_files(cores, groups.version).items():
                (path / file).write_text(value)
            (path / "cgroup.procs").write_text(str(pid))
        yield
    finally:
        for path in made:
            for member in (path / "cgroup.procs").read_text().split():
                # A process that exited meanwhile has nothing left to move.
                with suppress(ProcessLookupError):
                    (groups.root / "cgroup.procs").write_text(member)
            path.rmdir()
