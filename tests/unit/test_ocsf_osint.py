"""OCSF `osint[].value`: the indicator is an entity of the event, of the kind its
`type_id` names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.mapping.graph_model import DroppedField, GraphEvent
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2025, 9, 1, 6, 30, tzinfo=UTC)


def links(event: GraphEvent) -> set[tuple[str, str]]:
    return {(link.rel, link.entity.key) for link in event.links}


def inventory(*osint: dict[str, Any], version: str = "1.6.0") -> GraphEvent:
    event = {
        "class_uid": 5021,
        "activity_id": 2,
        "time": 1756708200000,
        "metadata": {"version": version, "product": {"name": "Feedline", "vendor_name": "Orbit"}},
        "osint": list(osint),
    }
    return to_graph_event("osint-1", "ocsf", event, RECEIVED)


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ({"type_id": 1, "value": "203.0.113.77"}, {"IP:203.0.113.77"}),
        ({"type_id": 1, "value": "2001:DB8::7"}, {"IP:2001:db8::7"}),
        ({"type_id": 2, "value": "Drop.Example.NET."}, {"Domain:drop.example.net"}),
        ({"type_id": 3, "value": "c2-relay-4"}, {"Host:c2-relay-4"}),
        (
            {"type_id": 4, "value": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"},
            {"File:sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        ),
        (
            {"type_id": 4, "value": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"},
            {"File:sha1:a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"},
        ),
        (
            {"type_id": 5, "value": "https://login.drop.example.net/reset"},
            {"Url:https://login.drop.example.net/reset", "Domain:login.drop.example.net"},
        ),
        ({"type_id": 9, "value": "Billing <Billing@drop.example.net>"}, {"Email:billing@drop.example.net"}),
        ({"type": "IP Address", "value": "198.51.100.61"}, {"IP:198.51.100.61"}),
        ({"type": "URL", "value": "http://drop.example.net/"}, {"Url:http://drop.example.net/", "Domain:drop.example.net"}),
    ],
)  # fmt: skip
def test_the_indicator_is_an_entity_of_its_kind(
    indicator: dict[str, Any], expected: set[str]
) -> None:
    event = inventory(indicator)
    assert links(event) == {("HAS_OSINT", key) for key in expected}
    assert event.dropped == ()


@pytest.mark.parametrize(
    "indicator",
    [
        {"type_id": 6, "value": "Mozilla/5.0 (evil)"},  # user agent
        {"type_id": 10, "value": "CVE-2024-3094"},
        {"type_id": 14, "value": "powershell -enc AAAA"},
        {"type_id": 4, "value": "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"},  # ssdeep
        {"type_id": 99, "value": "203.0.113.5"},
        {"type_id": 0, "value": "203.0.113.5"},
        {"type_id": 1, "value": "-"},
        {"type_id": 1, "value": "255.255.255.255"},
    ],
)
def test_types_that_name_no_entity_stay_in_raw(indicator: dict[str, Any]) -> None:
    event = inventory(indicator)
    assert links(event) == set()
    assert event.dropped == ()


def test_a_value_that_is_not_its_type_is_dropped() -> None:
    event = inventory(
        {"type_id": 1, "value": "203.0.113.0/24"},
        {"type_id": 9, "value": "not an address"},
        {"type_id": 1, "value": "192.0.2.200"},
    )
    assert links(event) == {("HAS_OSINT", "IP:192.0.2.200")}
    assert event.dropped == (
        DroppedField("osint[0].value", "is not an IP address"),
        DroppedField("osint[1].value", "is not an e-mail address"),
    )


def test_the_indicator_and_the_objects_inside_it_are_both_linked() -> None:
    event = inventory(
        {
            "type_id": 2,
            "value": "drop.example.net",
            "file": {"name": "invoice.js", "hashes": [{"algorithm_id": 1, "value": "0cc175b9c0f1b6a831c399e269772661"}]},
            "creator": {"name": "analyst7", "uid": "S-1-5-21-1004336348-1177238915-682003330-1207"},
        }
    )  # fmt: skip
    assert links(event) == {
        ("HAS_OSINT", "Domain:drop.example.net"),
        ("HAS_FILE", "File:md5:0cc175b9c0f1b6a831c399e269772661"),
        ("HAS_CREATOR", "User:S-1-5-21-1004336348-1177238915-682003330-1207"),
    }


def test_osint_in_a_finding_is_linked_too() -> None:
    finding = {
        "class_uid": 2004,
        "time": 1756708200000,
        "metadata": {"version": "1.7.0", "product": {"name": "Sentry"}},
        "finding_info": {"uid": "f-19", "title": "Beacon to known C2"},
        "osint": [{"type_id": 1, "value": "203.0.113.150"}],
    }
    event = to_graph_event("osint-2", "ocsf", finding, RECEIVED)
    assert ("HAS_OSINT", "IP:203.0.113.150") in links(event)


def test_an_older_version_label_still_maps_osint() -> None:
    event = inventory({"type_id": 1, "value": "203.0.113.9"}, version="1.1.0")
    assert links(event) == {("HAS_OSINT", "IP:203.0.113.9")}
