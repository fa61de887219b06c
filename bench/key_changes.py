"""How an identity change moves entity keys, on the project's own sample sets: the
distinct keys this checkout gives against an earlier commit's, on the same inputs.

    .venv/bin/python -m bench.key_changes --ref 4cafe6e

Inputs: the syslog recognisers' example lines (from three hosts, one of them
`localhost`) and 2,000 events of the bench mix. (The bench never imports the tests, so
the vendor samples are compared by tests/unit/test_vendor_graphs.py instead.) The earlier commit runs in a subprocess from a
temporary `git worktree`. Reported: distinct keys before and after, how many stayed,
and the changed ones by kind, with examples.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside the checkout under test: (event id, format, event) triples in, one list of
# keys per input out.
_PROBE = """
import json, sys
from datetime import UTC, datetime
sys.path.insert(0, sys.argv[1])
from shared.mapping.to_graph import to_graph_event
received = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
out = []
for event_id, fmt, event in json.load(sys.stdin):
    try:
        out.append(sorted({l.entity.key for l in to_graph_event(event_id, fmt, event, received).links}))
    except Exception as exc:
        out.append([f"error: {type(exc).__name__}"])
print(json.dumps(out))
"""


def inputs() -> list[tuple[str, str, object]]:
    sys.path.insert(0, str(ROOT))
    from bench.events import serialized_pool
    from shared.mapping.formats.syslog_recognisers import RECOGNISERS

    found: list[tuple[str, str, object]] = []
    for recogniser in RECOGNISERS:
        for index, message in enumerate(recogniser.samples):
            host = ("web-1", "db-7", "localhost")[index % 3]
            line = f"<38>Mar 14 10:00:00 {host} {_program(recogniser.programs)}[42]: {message}"
            found.append((f"{recogniser.name}-{index}", "syslog", line))
    for index, raw in enumerate(serialized_pool(7, 2_000)):
        found.append((f"mix-{index}", "ocsf", json.loads(raw)))
    return found


def _program(pattern: re.Pattern[str] | None) -> str:
    """A program name the recogniser's pattern takes (the first word it spells)."""
    if pattern is None:
        return "app"
    for match in re.finditer(r"[a-z][a-z0-9_-]*", pattern.pattern):
        if pattern.fullmatch(match[0]):
            return match[0]
    return "app"


def keys_of(checkout: Path, payload: str) -> list[list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(checkout)],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
    )
    result: list[list[str]] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", required=True, help="the earlier commit")
    args = parser.parse_args()
    payload = json.dumps(inputs())
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(worktree), args.ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            before = keys_of(worktree, payload)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=True
            )
    after = keys_of(ROOT, payload)
    old = {k for ks in before for k in ks}
    new = {k for ks in after for k in ks}
    changed = Counter(k.split(":", 1)[0].split("@", 1)[0] for k in old - new)
    print(f"inputs: {len(before)}")
    print(f"distinct keys: {len(old)} before, {len(new)} after, {len(old & new)} unchanged")
    print(f"keys gone or re-shaped, by kind: {dict(sorted(changed.items()))}")
    print(
        f"keys new, by kind: {dict(sorted(Counter(k.split(':', 1)[0].split('@', 1)[0] for k in new - old).items()))}"
    )
    for key in sorted(old - new)[:12]:
        print(f"  before only: {key}")
    for key in sorted(new - old)[:12]:
        print(f"  after only:  {key}")


if __name__ == "__main__":
    main()
