"""Neo4j's checkpoints, read from its debug.log, and the ones that overlap a window. Pure.

A checkpoint flushes the page cache's dirty pages; on a machine whose cores the pipeline
shares with Neo4j it stalls commits for as long as it lasts. It runs every 15 minutes
(`db.checkpoint.interval.time`) or after 100,000 transactions, so whether one falls in a
measured phase is luck: a phase's p99 is only comparable with another's when the report
says which of them had one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

_LINE: Final = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\+0000 INFO +\[o\.n\.k\.i\.t\.l\.c\."
    r"CheckPointerImpl\] \[(?P<db>[^/\]]+)[^\]]*\] Checkpoint triggered by \"(?P<why>[^\"]*)\""
    r".* checkpoint (?P<what>started|completed in (?P<took>[^.]+))"
)
_PART: Final = re.compile(r"(\d+)(ms|s|m)\b")
_UNIT: Final = {"ms": 0.001, "s": 1.0, "m": 60.0}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    database: str
    trigger: str
    started: datetime
    seconds: float

    @property
    def ended(self) -> datetime:
        return self.started + timedelta(seconds=self.seconds)


def checkpoints(log_text: str) -> list[Checkpoint]:
    """Every completed checkpoint in the log, in order; a started one with no end is left out."""
    open_: dict[tuple[str, str], datetime] = {}
    done: list[Checkpoint] = []
    for line in log_text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        at = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        key = (match["db"], match["why"])
        if match["what"] == "started":
            open_[key] = at
            continue
        took = sum(int(n) * _UNIT[unit] for n, unit in _PART.findall(match["took"]))
        started = open_.pop(key, at - timedelta(seconds=took))
        done.append(Checkpoint(match["db"], match["why"], started, took))
    return done


def overlapping(found: list[Checkpoint], start: datetime, end: datetime) -> list[Checkpoint]:
    return [c for c in found if c.started < end and c.ended > start]
