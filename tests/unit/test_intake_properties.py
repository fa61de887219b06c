"""Any JSON value sent as an envelope is either accepted or refused with field paths, and
placing it (Kafka mode) refuses exactly what mapping it (direct mode) refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest_api.intake import AcceptedEvent, RejectedItem, accept_item, graph_of
from tests.samples import ocsf_authentication

NOW = datetime(2024, 1, 1, tzinfo=UTC)

# The integers a decoded body can hold: the API's parser (orjson) reads any integer
# outside [-2**63, 2**64 - 1] as a float, so accept_item never sees a wider one.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
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
    # An Idempotency-Key makes the id deterministic, so the two modes can be compared.
    placed = accept_item(item, "key", NOW)
    mapped = accept_item(item, "key", NOW, map_now=True)
    if isinstance(mapped, RejectedItem):
        assert mapped.detail
        for problem in mapped.detail:
            assert isinstance(problem["loc"], list)
            assert problem["msg"]
        assert placed == mapped
        return
    assert isinstance(mapped, AcceptedEvent)
    assert isinstance(placed, AcceptedEvent)
    assert placed.graph_event is None
    assert (placed.record, placed.encoded, placed.named) == (
        mapped.record,
        mapped.encoded,
        mapped.named,
    )
    assert mapped.graph_event is not None
    assert graph_of(placed) == mapped.graph_event
    class_uid = mapped.graph_event.props["class_uid"]
    assert isinstance(class_uid, int)
    assert class_uid >= 0
    for link in mapped.graph_event.links:
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


def test_the_record_is_the_envelope_without_a_graph_in_either_mode() -> None:
    item = {"id": "no-graph", "event": ocsf_authentication("u-1")}
    for map_now in (False, True):
        outcome = accept_item(item, None, NOW, map_now=map_now)
        assert isinstance(outcome, AcceptedEvent)
        assert outcome.record.graph is None
        assert b'"graph"' not in outcome.encoded.value
        assert b'"schema_version":2' in outcome.encoded.value
