"""JSON shape limits and the in-flight admission counter (pure parts of the limits)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest_api import json_limits
from ingest_api.in_flight import InFlightLimiter, Overloaded
from ingest_api.json_limits import json_limit_violation


def nested(depth: int) -> Any:
    """`depth` containers, alternating objects and arrays, built without recursion."""
    value: Any = "leaf"
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


def test_depth_at_the_limit_passes_one_more_fails() -> None:
    assert json_limit_violation(nested(32), 32, 100) is None
    violation = json_limit_violation(nested(33), 32, 100)
    assert violation is not None
    assert violation["msg"] == "nesting deeper than 32 levels"
    assert len(violation["loc"]) == 32


def test_very_deep_input_does_not_recurse() -> None:
    # Far deeper than Python's recursion limit; orjson stops at 1024 but a caller may not.
    assert json_limit_violation(nested(100_000), 32, 100) is not None


def test_scalars_and_empty_containers() -> None:
    assert json_limit_violation(None, 1, 10) is None
    assert json_limit_violation(3.5, 1, 10) is None
    assert json_limit_violation({}, 1, 10) is None
    assert json_limit_violation([[]], 1, 10) == {"loc": [0], "msg": "nesting deeper than 1 levels"}


def test_long_string_value_reports_its_path() -> None:
    doc = {"event": {"src": [{"name": "x" * 11}]}}
    assert json_limit_violation(doc, 32, 10) == {
        "loc": ["event", "src", 0, "name"],
        "msg": "string longer than 10 characters",
    }
    assert json_limit_violation(doc, 32, 11) is None


def test_long_key_is_reported_without_echoing_it() -> None:
    long_key = "k" * 1000
    violation = json_limit_violation({"event": {long_key: 1}}, 32, 100)
    assert violation == {"loc": ["event"], "msg": "object key longer than 100 characters"}
    deep = json_limit_violation({long_key[:90]: [[["x" * 200]]]}, 32, 100)
    assert deep is not None
    assert deep["loc"][0] == "k" * 64 + "…"


def test_limiter_admits_up_to_the_bound_and_releases() -> None:
    limiter = InFlightLimiter(10)
    with limiter.admit(6):
        with pytest.raises(Overloaded), limiter.admit(5):
            pass
        with limiter.admit(4):
            assert limiter.in_flight == 10
        assert limiter.in_flight == 6
    assert limiter.in_flight == 0


def test_limiter_releases_when_the_work_fails() -> None:
    limiter = InFlightLimiter(5)
    with pytest.raises(RuntimeError), limiter.admit(5):
        raise RuntimeError("send failed")
    assert limiter.in_flight == 0


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(value=_json, max_depth=st.integers(1, 6), max_string_length=st.integers(0, 12))
def test_fast_check_agrees_with_the_walk_that_reports_paths(
    value: object, max_depth: int, max_string_length: int
) -> None:
    fits = json_limits._fits(value, max_depth, max_string_length)
    assert fits == (json_limits._first_violation(value, max_depth, max_string_length) is None)


@given(value=_json, max_depth=st.integers(1, 40), max_string_length=st.integers(0, 400))
def test_the_bound_from_the_json_text_never_passes_what_the_walk_refuses(
    value: object, max_depth: int, max_string_length: int
) -> None:
    if json_limits._surely_fits(value, max_depth, max_string_length):
        assert json_limits._fits(value, max_depth, max_string_length)
