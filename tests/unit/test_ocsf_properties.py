"""Any JSON object with a known class_uid maps, or is refused naming its field; never a crash.

The objects are built from the schema's own attribute names, so the walk meets every
entity kind at any depth, with values of every JSON shape and the placeholders real
senders write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.core.errors import InvalidEvent
from shared.mapping.ocsf.schema import SCHEMA
from shared.mapping.placeholders import PLACEHOLDERS, is_placeholder
from shared.mapping.to_graph import to_graph_event
from shared.mapping.vocabulary import ENTITY_LABELS, RELATIONSHIP_TYPES

NOW = datetime(2024, 1, 1, tzinfo=UTC)
_ATTRIBUTES = sorted(SCHEMA.latest.attribute_names())
_FIELDS = [
    *_ATTRIBUTES,
    "uid",
    "name",
    "ip",
    "hostname",
    "pid",
    "path",
    "value",
    "type_id",
    "type",
    "domain",
    "instance_uid",
    "url_string",
    "rdata",
    "email_addr",
    "created_time",
]
_PLACEHOLDER_TEXT = st.sampled_from([*sorted(PLACEHOLDERS), "-", "--", "---", " N/A ", "NULL SID"])
_TEXT = (
    st.text(max_size=12) | _PLACEHOLDER_TEXT | st.sampled_from(["10.0.0.1", "a@b.example", "::"])
)
# The integers a decoded body can hold: orjson reads any integer outside
# [-2**63, 2**64 - 1] as a float, so the mapping never sees a wider one.
_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | _TEXT
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=5)
    ),
    max_leaves=25,
)
_CLASSES = st.sampled_from(sorted(SCHEMA.latest.classes))
_TIMES = st.none() | st.integers(-10, 10**20) | st.floats() | _TEXT


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = draw(st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=8))
    event["class_uid"] = draw(_CLASSES | st.builds(str, _CLASSES))
    time = draw(_TIMES)
    if time is not None:
        event["time"] = time
    return event


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_maps_or_names_the_field_and_no_placeholder_is_an_entity(event: dict[str, Any]) -> None:
    try:
        graph_event = to_graph_event("p-1", "ocsf", event, NOW)
    except InvalidEvent as exc:
        refused: InvalidEvent | None = exc
    else:
        refused = None
    if refused is not None:
        # Only what places the event may refuse it.
        assert refused.loc in {
            ("event", "time"),
            ("event", "time_dt"),
            ("event", "class_uid"),
            ("event", "type_uid"),
            ("event",),
        }
        assert refused.msg
        return
    for link in graph_event.links:
        assert link.rel in RELATIONSHIP_TYPES
        assert link.entity.label in ENTITY_LABELS
        natural = link.entity.key.split(":", 1)[1]
        assert not is_placeholder(natural), link.entity.key
        assert all(not is_placeholder(part) for part in natural.split("/") if part), link.entity.key
    for dropped in graph_event.dropped:
        assert dropped.path
        assert dropped.reason
