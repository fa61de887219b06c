"""Microseconds of mapping per event (JSON dict to GraphEvent) on the bench event mix,
for this checkout and for an earlier commit, measured in one run, rounds alternated.

    .venv/bin/python -m bench.mapping_cost --ref 2ad45ca [--events 20000 --rounds 5]

The earlier commit's code runs in a subprocess from a temporary `git worktree`, on the
same events; the figure is the median of the rounds, and the ratio is this checkout's
over the reference's. Links per event are reported too: the richer graph is the point.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

# Runs inside the checkout under test: its own mapping, the shared event generator.
_PROBE = """
import json, sys, time
from datetime import UTC, datetime
sys.path.insert(0, sys.argv[1])
try:
    from shared.mapping.to_graph import to_graph_event
except ImportError:
    from shared.mapping import to_graph_event
events = json.load(sys.stdin)
received = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
for event in events[:500]:
    to_graph_event("w", "ocsf", event, received)
links = 0
started = time.perf_counter()
for index, event in enumerate(events):
    links += len(to_graph_event(f"e{index}", "ocsf", event, received).links)
elapsed = time.perf_counter() - started
print(json.dumps({"us_per_event": elapsed / len(events) * 1e6, "links_per_event": links / len(events)}))
"""


def _measure(checkout: Path, payload: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(checkout)],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="2ad45ca", help="the commit to compare against")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from bench.events import EventGenerator

    payload = json.dumps(list(EventGenerator(seed=7).events(0, args.events)))
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(reference), args.ref],
            cwd=ROOT,
            check=True,
        )
        try:
            rows: dict[str, list[dict[str, float]]] = {"this": [], args.ref: []}
            for _ in range(args.rounds):
                rows["this"].append(_measure(ROOT, payload))
                rows[args.ref].append(_measure(reference, payload))
                time.sleep(0.1)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(reference)], cwd=ROOT, check=True
            )
    medians = {
        name: (
            statistics.median(r["us_per_event"] for r in runs),
            statistics.median(r["links_per_event"] for r in runs),
        )
        for name, runs in rows.items()
    }
    print(f"{'code':<12} {'us/event':>9} {'links/event':>12}")
    for name, (cost, links) in medians.items():
        print(f"{name:<12} {cost:>9.1f} {links:>12.2f}")
    print(
        f"ratio this/{args.ref}: {medians['this'][0] / medians[args.ref][0]:.2f}x cost, "
        f"{medians['this'][1] / medians[args.ref][1]:.2f}x links"
    )


if __name__ == "__main__":
    main()
