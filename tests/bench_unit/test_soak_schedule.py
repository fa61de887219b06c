"""The soak's writer restart schedule, with a last incarnation left alone."""

from __future__ import annotations

import pytest

from bench.soak import parse_args, restart_due


def _due_times(argv: list[str]) -> list[int]:
    """The seconds into the load at which each restart happens, checked once a second."""
    args = parse_args(argv)
    found, k = [], 1
    for second in range(int(args.minutes * 60)):
        if restart_due(second, k, args):
            found.append(second)
            k += 1
    return found


def test_restarts_every_period_without_a_last_writer() -> None:
    assert _due_times(["--minutes", "30", "--restart-every", "300"]) == [
        300, 600, 900, 1200, 1500,
    ]  # fmt: skip


def test_no_restart_in_the_last_writer_minutes() -> None:
    times = _due_times(["--minutes", "30", "--restart-every", "300", "--last-writer-minutes", "20"])
    assert times == [300]  # the restart at 600 s would cut the last 20 minutes short
    assert 30 * 60 - times[-1] >= 20 * 60


def test_last_writer_longer_than_the_load_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--minutes", "5", "--last-writer-minutes", "6"])
