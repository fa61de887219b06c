"""shared/core/isotime.py: exactly `isoformat()`, whatever the datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from shared.core.isotime import is_plain_utc, isoformat

_ZONES = st.sampled_from(
    [UTC, None, timezone(timedelta(0)), timezone(timedelta(hours=5, minutes=30, seconds=15))]
)


@given(moment=st.datetimes(timezones=_ZONES))
def test_isoformat_is_isoformat(moment: datetime) -> None:
    assert isoformat(moment) == moment.isoformat()


@given(moment=st.datetimes(timezones=st.just(UTC)))
def test_plain_utc_is_what_orjson_writes_as_isoformat(moment: datetime) -> None:
    assert is_plain_utc(moment)
    assert isoformat(moment) == moment.isoformat()


def test_edges() -> None:
    for moment in (
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 3, 14, 10, 0, 0, 1, tzinfo=UTC),
        datetime(2024, 3, 14, 10, 0, tzinfo=UTC),
    ):
        assert isoformat(moment) == moment.isoformat()
