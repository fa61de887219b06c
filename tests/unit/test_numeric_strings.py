"""Numeric strings in events and query parameters: any text is a number or a clear refusal."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ingest_api.problems import HttpProblem
from ingest_api.routes_events import _int_param
from shared.core.errors import InvalidEvent
from shared.mapping.fields import decimal_int, int_value

TRICKY = [
    "--5",
    "-",
    "--",
    "²",
    "٣",
    "\uff15",
    "1_000",
    "+5",
    "0x10",
    " 5",
    "5 ",
    "1e3",
    "9" * 5000,
]
numeric_text = st.text(alphabet="-+_0123456789 ²٣\uff15eE.x", max_size=30) | st.text(max_size=30)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_are_refused_by_the_query_parser(text: str) -> None:
    with pytest.raises(HttpProblem) as info:
        _int_param(text, "limit", 1, 500)
    assert info.value.status == 422
    # The message itself gives the range: a newcomer trying limit=0 learns what is allowed.
    assert info.value.message == "limit must be an integer between 1 and 500"
    assert info.value.detail == [
        {"loc": ["query", "limit"], "msg": "must be an integer between 1 and 500"}
    ]


@pytest.mark.parametrize("text", [t for t in TRICKY if t.strip() != "5"])
def test_tricky_strings_are_refused_in_events(text: str) -> None:
    with pytest.raises(InvalidEvent) as info:
        int_value(text, ("event", "class_uid"), 0, 999_999)
    assert info.value.loc == ("event", "class_uid")


def test_plain_digits_still_work() -> None:
    assert int_value(" 3002 ", ("event", "class_uid"), 0, 999_999) == 3002
    assert int_value("-0", ("event", "class_uid"), 0, 999_999) == 0
    assert _int_param("500", "limit", 1, 500) == 500
    assert _int_param("", "limit", 1, 500) is None
    assert _int_param(None, "limit", 1, 500) is None


@given(numeric_text)
@example("--5")
@example("²")
@example("-0")
def test_query_parameter_parser_raises_only_http_422(text: str) -> None:
    try:
        number = _int_param(text, "class_uid", 0, 999_999)
    except HttpProblem as exc:
        refusal = (exc.status, exc.error)
        assert refusal == (422, "invalid_query")
        return
    assert number is None or 0 <= number <= 999_999
    assert number is None or (text.isascii() and int(text) == number)


@given(numeric_text)
@example("--5")
@example("²")
def test_event_field_parser_raises_only_invalid_event(text: str) -> None:
    try:
        number = int_value(text, ("event", "severity_id"), 0, 99)
    except InvalidEvent as exc:
        loc = exc.loc
        assert loc == ("event", "severity_id")
        return
    assert 0 <= number <= 99
    assert decimal_int(text.strip()) == number


@given(st.integers(-(2**63), 2**63 - 1))
def test_decimal_int_reads_back_every_64_bit_integer(number: int) -> None:
    assert decimal_int(str(number)) == number
