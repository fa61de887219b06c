"""The mapped graph a version 1 Kafka record carries (the previous ingest_api wrote it):
graph_writer stores exactly what that API mapped, and a record that cannot be such a
graph is refused, never half-written. Version 2 records carry none: the writer maps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from bench.events import EventGenerator
from graph_writer.batch import graph_event
from shared.core.errors import InvalidEvent
from shared.kafka_io.codec import EventRecord, decode_record
from shared.mapping.graph_model import GraphEvent
from shared.mapping.graph_wire import graph_from_wire, graph_to_wire
from shared.mapping.to_graph import stored_raw, to_graph_event
from tests.vendor_samples import SAMPLES

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
LINES = [
    ("cef", "CEF:0|Acme|IDS|1.0|100|Port scan|7|src=10.0.0.5 dst=10.0.0.9 suser=alice"),
    ("syslog", "<38>Mar 14 10:00:00 web-1 sshd[42]: Accepted password for bob from 10.1.1.1"),
]


def through_kafka(source_format: str, event: dict[str, Any] | str) -> tuple[GraphEvent, GraphEvent]:
    """What the previous ingest_api mapped, and what graph_writer makes of its record."""
    mapped = to_graph_event("evt-1", source_format, event, RECEIVED)
    value = EventRecord("evt-1", source_format, event, RECEIVED, graph_to_wire(mapped)).value()
    assert orjson.loads(value)["schema_version"] == 1
    return mapped, graph_event(decode_record(value))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_a_vendor_event_reaches_the_writer_as_mapped(sample: Any) -> None:
    mapped, written = through_kafka("ocsf", sample.event)
    # `dropped` is the client's answer, not part of the stored graph.
    assert written == replace(mapped, dropped=())
    assert written.links  # the samples all name entities: a lost graph would show


@pytest.mark.parametrize(("source_format", "line"), LINES)
def test_a_line_reaches_the_writer_as_mapped(source_format: str, line: str) -> None:
    mapped, written = through_kafka(source_format, line)
    assert written == replace(mapped, dropped=())
    assert written.raw == stored_raw(line)


def test_the_bench_mix_reaches_the_writer_as_mapped() -> None:
    for index, event in enumerate(EventGenerator(7).events(0, 300)):
        mapped, written = through_kafka("ocsf", event)
        assert written == replace(mapped, dropped=()), index


def test_the_writer_stores_the_carried_graph_instead_of_mapping_again() -> None:
    event = {"class_uid": 3002, "time": 1710410400000, "user": {"name": "alice"}}
    mapped = to_graph_event("evt-2", "ocsf", event, RECEIVED)
    wire = graph_to_wire(mapped)
    wire["props"] = {**wire["props"], "message": "as the API saw it"}
    record = EventRecord("evt-2", "ocsf", event, RECEIVED, wire)
    assert graph_event(decode_record(record.value())).props["message"] == "as the API saw it"


def test_a_version_2_record_carries_no_graph_and_is_mapped_by_the_writer() -> None:
    event = {"class_uid": 3002, "time": 1710410400000, "user": {"name": "alice"}}
    value = EventRecord("evt-3", "ocsf", event, RECEIVED).value()
    assert b'"graph"' not in value
    assert orjson.loads(value)["schema_version"] == 2
    written = graph_event(decode_record(value))
    assert written == replace(to_graph_event("evt-3", "ocsf", event, RECEIVED), dropped=())
    assert [link.entity.key for link in written.links] == ["User@Event:evt-3/alice"]


def one_entity_wire() -> dict[str, Any]:
    event = {"class_uid": 3002, "time": 1710410400000, "user": {"name": "alice"}}
    return graph_to_wire(to_graph_event("evt-4", "ocsf", event, RECEIVED))


@pytest.mark.parametrize(
    ("spoil", "names"),
    [
        (lambda w: w.update(v=2), "unsupported graph version"),
        (lambda w: w.pop("links"), "malformed graph"),
        (lambda w: w.update(time="2024-03-14T10:00:00"), "UTC offset"),
        (lambda w: w.update(time="yesterday"), "malformed graph"),
        (lambda w: w.update(props={"message": {"nested": 1}}), "malformed graph"),
        (lambda w: w.update(props={"message": None}), "malformed graph"),
        (lambda w: w["links"][0].__setitem__(1, -1), "malformed graph"),
        (lambda w: w["links"][0].__setitem__(1, 5), "malformed graph"),
        (lambda w: w["links"][0].__setitem__(0, 7), "malformed graph"),
        (lambda w: w["entities"][0].__setitem__(2, ["User"]), "malformed graph"),
        (lambda w: w["entities"][0].__setitem__(2, "Admin"), "label 'Admin' is not allowed"),
        (lambda w: w["links"][0].__setitem__(0, "OWNS"), "type 'OWNS' is not allowed"),
        (lambda w: w["entities"][0].__setitem__(3, {"name": [1]}), "malformed graph"),
        (lambda w: w.update(associations=[["a"]]), "malformed graph"),
        (lambda w: w.update(associations=[["User:alice", "IP:1.2.3.4"]]), "not one of the"),
        (
            lambda w: (
                w["entities"].append(["IP:1.2.3.4", "IP", "IP", {}]),
                w.update(associations=[["IP:1.2.3.4", "User:alice"]]),
            ),
            "not one of the",
        ),
        (lambda w: w["props"].__setitem__("id", "other"), "names 'id'"),
        (lambda w: w["props"].__setitem__("_batch", 1), "names '_batch'"),
        (lambda w: w["props"].__setitem__("dropped", "x"), "names 'dropped'"),
        (lambda w: w["entities"][0][3].__setitem__("event_count", 9), "names 'event_count'"),
        (lambda w: w["entities"][0][3].__setitem__("_rank_name", "z"), "names '_rank_name'"),
    ],
)
def test_a_graph_the_api_cannot_have_written_is_refused(spoil: Any, names: str) -> None:
    wire = one_entity_wire()
    spoil(wire)
    with pytest.raises(InvalidEvent, match=names):
        graph_from_wire(orjson.loads(orjson.dumps(wire)), "evt-4", "ocsf", RECEIVED, "{}")


def test_a_graph_field_that_is_not_an_object_makes_a_version_1_record_undecodable() -> None:
    value = EventRecord("evt-5", "ocsf", {"class_uid": 1}, RECEIVED).value()
    spoiled = value.replace(b'"schema_version":2', b'"schema_version":1')[:-1] + b',"graph":[1]}'
    with pytest.raises(InvalidEvent, match="must be an object"):
        decode_record(spoiled)


def test_a_version_2_record_is_mapped_whatever_graph_it_holds() -> None:
    # Version 2 has no graph: a producer cannot make the writer skip the mapping.
    event = {"class_uid": 3002, "time": 1710410400000, "user": {"name": "alice"}}
    forged = one_entity_wire()
    forged["props"] = {**forged["props"], "message": "forged"}
    value = EventRecord("evt-6", "ocsf", event, RECEIVED).value()[:-1]
    record = decode_record(value + b',"graph":' + orjson.dumps(forged) + b"}")
    assert record.graph is None
    assert "message" not in graph_event(record).props


@pytest.mark.parametrize("version", [0, 3, "2", 2.0, True, None])
def test_a_record_of_an_unknown_schema_version_is_undecodable(version: object) -> None:
    data = orjson.loads(EventRecord("evt-7", "ocsf", {"class_uid": 1}, RECEIVED).value())
    data["schema_version"] = version
    with pytest.raises(InvalidEvent, match="unsupported schema version"):
        decode_record(orjson.dumps(data))
