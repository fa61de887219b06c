"""Any JSON value sent as an envelope is either accepted or refused with field paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest_api.intake import AcceptedEvent, RejectedItem, accept_item
from tests.samples import ocsf_authentication

NOW = datetime(2024, 1, 1, tzinfo=UTC)

json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
ocsf_keys = st.sampled_from(
    [
        "class_uid",
        "time",
        "severity_id",
        "src",
        "dst",
        "principal",
        "actor",
        "user",
        "src_endpoint",
        "dst_endpoint",
        "device",
        "process",
        "file",
        "metadata",
        "message",
        "activity_id",
        "type",
    ]
)
ocsf_like = st.dictionaries(
    ocsf_keys,
    json_values
    | st.dictionaries(
        ocsf_keys
        | st.sampled_from(["ip", "uid", "name", "hostname", "id", "pid", "hashes", "path"]),
        json_values,
        max_size=5,
    ),
    max_size=8,
)
envelopes = st.fixed_dictionaries(
    {"event": ocsf_like},
    optional={"source_format": st.sampled_from(["ocsf", "cef", "x"]), "id": json_values},
)


def check(item: Any) -> None:
    outcome = accept_item(item, None, NOW)
    if isinstance(outcome, RejectedItem):
        assert outcome.detail
        for problem in outcome.detail:
            assert isinstance(problem["loc"], list)
            assert problem["msg"]
    else:
        assert isinstance(outcome, AcceptedEvent)
        class_uid = outcome.graph_event.props["class_uid"]
        assert isinstance(class_uid, int)
        assert class_uid >= 0
        for link in outcome.graph_event.links:
            assert link.entity.key


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_any_json_value(item: Any) -> None:
    check(item)


@settings(max_examples=800, deadline=None)
@given(envelopes)
def test_ocsf_shaped_envelopes(item: Any) -> None:
    check(item)


def test_oversized_event_is_refused_before_it_reaches_kafka() -> None:
    item = {"event": {"class_uid": 1, "message": "x" * 20_000}}
    outcome = accept_item(item, None, NOW, max_event_bytes=10_000)
    assert isinstance(outcome, RejectedItem)
    assert outcome.status == 413
    assert outcome.detail[0]["loc"] == ["event"]
    assert isinstance(accept_item(item, None, NOW, max_event_bytes=30_000), AcceptedEvent)


def test_an_event_too_large_to_carry_its_graph_goes_without_it() -> None:
    item = {"event": {"class_uid": 1, "message": "x" * 20_000}}
    small = accept_item({"event": {"class_uid": 1, "message": "x"}}, None, NOW)
    large = accept_item(item, None, NOW, max_event_bytes=30_000)
    assert isinstance(small, AcceptedEvent)
    assert small.record.graph is not None
    assert isinstance(large, AcceptedEvent)
    assert large.record.graph is None
    assert len(large.encoded.value) <= 30_000
    assert large.graph_event.props["message"] == "x" * 20_000


def test_without_kafka_the_record_carries_no_graph_and_the_event_maps_the_same() -> None:
    item = {"id": "no-kafka", "event": ocsf_authentication("u-1")}
    with_graph = accept_item(item, None, NOW)
    without = accept_item(item, None, NOW, carry_graph=False)
    assert isinstance(with_graph, AcceptedEvent)
    assert isinstance(without, AcceptedEvent)
    assert with_graph.record.graph is not None
    assert without.record.graph is None
    assert b'"graph"' not in without.encoded.value
    assert without.graph_event == with_graph.graph_event
