"""Summarize pyinstrument pstats files written by `run.py --profile`.

`python -m bench.profile_summary bench-results/profile-*.pstats [--top 25]`
Prints, per file, the functions with the most self time and the project functions with
the most cumulative time, as a share of all samples (idle time in the event loop included,
attributed to the frame that runs the loop).
"""

from __future__ import annotations

import argparse
import pstats
from pathlib import Path

_PROJECT = ("/shared/", "/ingest_api/", "/graph_writer/")


def _name(func: tuple[str, int, str]) -> str:
    path, line, name = func
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1] if "/" in path else path
    return f"{path}:{line} {name}"


def _package(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        return "stdlib:" + path.rsplit("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    for marker in _PROJECT:
        if marker in path:
            return marker.strip("/")
    return path or "<built-in>"


def summarize(path: Path, top: int) -> str:
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in entries.values()) or 1.0
    # The frame that runs the event loop holds its idle time (and C-level loop work).
    idle = sum(
        v[2]
        for k, v in entries.items()
        if k[2] == "run" and k[0].endswith(("runners.py", "uvloop/__init__.py"))
    )
    busy = max(1e-9, total - idle)
    lines = [f"== {path.name}: {total:.1f} s sampled, {busy:.1f} s busy (shares below: of busy)"]
    groups: dict[str, float] = {}
    for k, v in entries.items():
        if v[2] and not (k[2] == "run" and k[0].endswith(("runners.py", "uvloop/__init__.py"))):
            groups[_package(k[0])] = groups.get(_package(k[0]), 0.0) + v[2]
    lines.append("-- self time by package")
    lines += [
        f"{100 * t / busy:6.1f}%  {name}"
        for name, t in sorted(groups.items(), key=lambda kv: -kv[1])[:15]
    ]
    total = busy
    lines.append("-- self time")
    by_self = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    lines += [f"{100 * v[2] / total:6.1f}%  {_name(k)}" for k, v in by_self]
    lines.append("-- cumulative, project code")
    ours = [(k, v) for k, v in entries.items() if any(p in k[0] for p in _PROJECT)]
    by_cum = sorted(ours, key=lambda kv: kv[1][3], reverse=True)[:top]
    lines += [f"{100 * v[3] / total:6.1f}%  {_name(k)}" for k, v in by_cum]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for path in args.files:
        print(summarize(path, args.top))
        print()


if __name__ == "__main__":
    main()
