from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.mapping.timeparse import TimeParseError, parse_event_time

EXPECTED = datetime(2024, 3, 14, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        1710410400000,
        1710410400,
        1710410400000000,  # microseconds
        1710410400000000000,  # nanoseconds
        "1710410400000000",
        1710410400.0,
        "1710410400000",
        "1710410400",
        "2024-03-14T10:00:00Z",
        "2024-03-14T12:00:00+02:00",
        "2024-03-14T10:00:00",
    ],
)
def test_all_forms_agree(value: object) -> None:
    assert parse_event_time(value) == EXPECTED


def test_fractional_seconds_survive() -> None:
    assert parse_event_time(1710410400.25) == datetime(2024, 3, 14, 10, 0, 0, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", [True, None, [], {}, "soon", float("nan"), -1, 10**30, "2024-13-01"]
)
def test_rejects(value: object) -> None:
    with pytest.raises(TimeParseError):
        parse_event_time(value)
