"""Microseconds of mapping per event (JSON dict to GraphEvent) for this checkout and for
an earlier commit, measured in one run, rounds alternated, on two inputs: the bench
event mix and the project's vendor samples (tests/vendor_samples.py).

    .venv/bin/python -m bench.mapping_cost --ref 3f5bd9b [--events 20000 --rounds 5]

The earlier commit's code runs in a subprocess from a temporary `git worktree`, on the
same events; the figure is the median of the rounds, and the ratio is this checkout's
over the reference's. Each side also gives a digest of every graph it built (props,
links, entity attributes, dropped fields, associations, in a canonical order): equal
digests mean the two mappings build the same graphs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# Runs inside the checkout under test: its own mapping, the events given on stdin.
_PROBE = """
import hashlib, json, sys, time
from datetime import UTC, datetime
sys.path.insert(0, sys.argv[1])
from shared.mapping.to_graph import to_graph_event
events = json.load(sys.stdin)
received = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
repeat = max(1, 20000 // len(events))
for event in events[:500]:
    to_graph_event("w", "ocsf", event, received)
digest = hashlib.sha256()
links = 0
for index, event in enumerate(events):
    g = to_graph_event(f"e{index}", "ocsf", event, received)
    links += len(g.links)
    digest.update(json.dumps([
        g.time.isoformat(), g.props, g.raw, sorted(g.associations),
        sorted((d.path, d.reason) for d in g.dropped),
        sorted((l.rel, l.entity.key, l.entity.type, l.entity.label or "", sorted(l.entity.attrs.items()))
               for l in g.links),
    ], sort_keys=True, default=str).encode())
started = time.perf_counter()
for _ in range(repeat):
    for index, event in enumerate(events):
        to_graph_event(f"e{index}", "ocsf", event, received)
elapsed = time.perf_counter() - started
print(json.dumps({"us_per_event": elapsed / (len(events) * repeat) * 1e6,
                  "links_per_event": links / len(events), "digest": digest.hexdigest()[:16]}))
"""


def _measure(checkout: Path, payload: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(checkout)],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _vendor_events() -> list[dict[str, Any]]:
    """The vendor samples, read from the tests' module by path (the bench does not import
    the tests package)."""
    spec = importlib.util.spec_from_file_location(
        "vendor_samples", ROOT / "tests/vendor_samples.py"
    )
    if spec is None or spec.loader is None:
        raise SystemExit("tests/vendor_samples.py is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return [sample.event for sample in module.SAMPLES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="3f5bd9b", help="the commit to compare against")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from bench.events import EventGenerator

    inputs = {
        "bench mix": json.dumps(list(EventGenerator(seed=7).events(0, args.events))),
        "vendor samples": json.dumps(_vendor_events()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(reference), args.ref],
            cwd=ROOT,
            check=True,
        )
        try:
            rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for _ in range(args.rounds):
                for name, payload in inputs.items():
                    rows.setdefault((name, "this"), []).append(_measure(ROOT, payload))
                    rows.setdefault((name, args.ref), []).append(_measure(reference, payload))
                time.sleep(0.1)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(reference)], cwd=ROOT, check=True
            )
    print(f"{'input':<16} {'code':<10} {'us/event':>9} {'links/event':>12}  digest")
    for name in inputs:
        cost = {}
        for code in ("this", args.ref):
            runs = rows[(name, code)]
            cost[code] = statistics.median(r["us_per_event"] for r in runs)
            digests = sorted({r["digest"] for r in runs})
            print(
                f"{name:<16} {code:<10} {cost[code]:>9.1f} {runs[0]['links_per_event']:>12.2f}"
                f"  {','.join(digests)}"
            )
        same = {r["digest"] for r in rows[(name, "this")]} == {
            r["digest"] for r in rows[(name, args.ref)]
        }
        print(
            f"{name}: {cost[args.ref] / cost['this']:.2f}x faster than {args.ref}; "
            f"graphs {'identical' if same else 'DIFFERENT'}"
        )


if __name__ == "__main__":
    main()
