"""Placing an event refuses exactly what mapping it refuses, with the same field path and
reason, and nothing else: Kafka mode places at intake and graph_writer maps later, so a
disagreement would either refuse an event the writer could store or acknowledge one it
must dead-letter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.events import EventGenerator
from shared.core.errors import InvalidEvent
from shared.mapping.to_graph import check_placeable, to_graph_event
from tests.unit.test_cef import _CEF_LIKE, MALFORMED
from tests.unit.test_intake_properties import ocsf_like
from tests.unit.test_syslog import _SYSLOG_LIKE
from tests.vendor_samples import SAMPLES

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)


def refusal(call: Any) -> tuple[tuple[str | int, ...], str] | None:
    try:
        call()
    except InvalidEvent as exc:  # any other exception fails the test
        return exc.loc, exc.msg
    return None


def same_verdict(source_format: str, event: dict[str, Any] | str) -> None:
    mapped = refusal(lambda: to_graph_event("e", source_format, event, RECEIVED))
    placed = refusal(lambda: check_placeable(source_format, event, RECEIVED))
    assert placed == mapped


@settings(max_examples=600, deadline=None)
@given(ocsf_like)
def test_ocsf_shaped_objects(event: dict[str, Any]) -> None:
    same_verdict("ocsf", event)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), _CEF_LIKE))
def test_any_text_as_cef(line: str) -> None:
    same_verdict("cef", line)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), _SYSLOG_LIKE))
def test_any_text_as_syslog(line: str) -> None:
    same_verdict("syslog", line)


@pytest.mark.parametrize(("line", "message"), MALFORMED)
def test_every_refused_cef_line_is_refused_by_placing_it(line: str, message: str) -> None:
    placed = refusal(lambda: check_placeable("cef", line, RECEIVED))
    assert placed is not None
    assert message in placed[1]
    same_verdict("cef", line)


@pytest.mark.parametrize(
    ("event", "loc"),
    [
        ({"time": 1710410400000}, ("event", "class_uid")),
        ({"class_uid": "x"}, ("event", "class_uid")),
        ({"class_uid": True}, ("event", "class_uid")),
        ({"type_uid": -5}, ("event", "type_uid")),
        ({"class_uid": 1, "time": "yesterday"}, ("event", "time")),
        ({"class_uid": 1, "time_dt": "yesterday"}, ("event", "time_dt")),
        ({"class_uid": "x", "time": "yesterday"}, ("event", "class_uid")),  # class first
    ],
)
def test_an_object_without_a_usable_class_or_time_is_refused(
    event: dict[str, Any], loc: tuple[str, ...]
) -> None:
    placed = refusal(lambda: check_placeable("ocsf", event, RECEIVED))
    assert placed is not None
    assert placed[0] == loc
    same_verdict("ocsf", event)


@pytest.mark.parametrize(
    ("source_format", "event"),
    [("ocsf", "a line"), ("cef", {"class_uid": 1}), ("syslog", {}), ("x", {"class_uid": 1})],
)
def test_an_event_of_the_wrong_kind_for_its_format_is_refused(
    source_format: str, event: dict[str, Any] | str
) -> None:
    assert refusal(lambda: check_placeable(source_format, event, RECEIVED)) is not None
    same_verdict(source_format, event)


def test_a_bad_time_with_a_usable_time_dt_is_placed() -> None:
    event = {"class_uid": 1, "time": "yesterday", "time_dt": "2024-03-14T10:00:00Z"}
    check_placeable("ocsf", event, RECEIVED)
    assert [d.path for d in to_graph_event("e", "ocsf", event, RECEIVED).dropped] == ["time"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_vendor_sample_is_placed(sample: Any) -> None:
    check_placeable("ocsf", sample.event, RECEIVED)


def test_the_bench_mix_is_placed() -> None:
    for event in EventGenerator(11).events(0, 300):
        check_placeable("ocsf", event, RECEIVED)
