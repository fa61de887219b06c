"""OCSF 1.8 and 1.9 events map with their own schema; a newer one with the newest, and
the answer's `ocsf_schema` says which and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.mapping.graph_model import GraphEvent
from shared.mapping.ocsf.versions import schema_choice
from shared.mapping.to_graph import to_graph_event
from tests.ocsf_new_classes import (
    CLIPBOARD_ACTIVITY,
    DEVICE_POWER_STATE,
    ROLE_MANAGEMENT,
    USER_MANAGEMENT,
    flow_with_packets,
)

_RECEIVED = datetime(2026, 8, 1, tzinfo=UTC)


def _map(event: dict[str, Any]) -> GraphEvent:
    return to_graph_event("e1", "ocsf", event, _RECEIVED)


def _links(graph: GraphEvent) -> set[tuple[str, str]]:
    return {(link.rel, link.entity.key) for link in graph.links}


def test_user_management_names_the_actor_the_user_and_the_source() -> None:
    graph = _map(USER_MANAGEMENT)
    assert graph.props["class_uid"] == 3007
    assert graph.props["ocsf_version"] == "1.9.0-dev"
    assert _links(graph) == {
        ("HAS_PRINCIPAL", "User:S-1-5-21-1111-2222-3333-1107"),
        ("HAS_USER", "User:S-1-5-21-1111-2222-3333-2051"),
        ("HAS_UPDATED_USER", "User:S-1-5-21-1111-2222-3333-2051"),
        ("HAS_SOURCE", "IP:10.20.4.17"),
        ("HAS_SOURCE", "Host:admin-ws-3"),
    }
    assert graph.dropped == ()
    # uid_numeric (1.9) is neither a key part nor an attribute.
    for link in graph.links:
        assert "uid_numeric" not in link.entity.attrs


def test_role_management_names_the_actor_the_role_and_the_resource() -> None:
    graph = _map(ROLE_MANAGEMENT)
    assert graph.props["class_uid"] == 3008
    assert graph.props["ocsf_version"] == "1.9.0-dev"
    role = "Role:arn:aws:iam::123456789012:role/BillingReader"
    assert _links(graph) == {
        ("HAS_PRINCIPAL", "User:AIDAEXAMPLE1"),
        ("HAS_EMAIL_ADDR", "Email:cloud-admin@example.org"),
        ("HAS_IAM_ROLE", role),
        ("HAS_UPDATED_ROLE", role),
        ("HAS_RESOURCE", "Resource:arn:aws:s3:::billing-exports"),
        ("HAS_SOURCE", "IP:198.51.100.23"),
    }
    assert graph.dropped == ()


def test_clipboard_activity_names_the_process_its_file_and_the_device() -> None:
    graph = _map(CLIPBOARD_ACTIVITY)
    assert graph.props["class_uid"] == 1012
    assert graph.props["ocsf_version"] == "1.9.0-dev"
    assert _links(graph) == {
        ("HAS_SOURCE_PROCESS", "Process@Host:finance-pc-12/4312/excel.exe"),
        ("HAS_FILE", "File@Host:finance-pc-12/C:\\Program Files\\Office\\excel.exe"),
        ("HAS_PRINCIPAL", "User:corp\\jlee"),
        ("ON_DEVICE", "Host:finance-pc-12"),
        ("ON_DEVICE", "IP:10.30.1.44"),
    }
    # The clipboard's contents are data, not entities.
    assert not any("Q3" in key for _, key in _links(graph))


def test_device_power_state_activity_names_the_device_and_the_actor() -> None:
    graph = _map(DEVICE_POWER_STATE)
    assert graph.props["class_uid"] == 1011
    assert graph.props["ocsf_version"] == "1.9.0-dev"
    assert _links(graph) == {
        ("HAS_PRINCIPAL", "User:lab\\svc-power"),
        ("ON_DEVICE", "Host:5f1c2a9e-lab7"),
        ("ON_DEVICE", "IP:10.40.2.9"),
    }


def test_a_packet_list_adds_no_entity_and_no_drop_however_long() -> None:
    few, many = _map(flow_with_packets(2)), _map(flow_with_packets(5_000))
    assert few.props["ocsf_version"] == "1.8.0"
    expected = {("HAS_SOURCE", "IP:10.50.0.2"), ("HAS_DESTINATION", "IP:10.50.0.9")}
    assert _links(few) == _links(many) == expected
    # Past the reader's item limit a walked list reports "only the first N": not this one.
    assert many.dropped == ()


@pytest.mark.parametrize(
    ("version", "used", "note"),
    [
        ("1.8.0", "1.8.0", None),
        ("1.9.0-dev", "1.9.0-dev", None),
        ("1.9.0", "1.9.0-dev", "pre-release snapshot"),
        ("1.10.0", "1.9.0-dev", "newer than every schema"),
        ("not-a-version", "1.9.0-dev", "is not a version"),
        ("0.9.0", "1.9.0-dev", "predates every known schema"),
    ],
)
def test_the_choice_says_which_schema_and_why(version: str, used: str, note: str | None) -> None:
    choice = schema_choice({**USER_MANAGEMENT, "metadata": {"version": version}})
    assert choice.declared == version
    assert choice.used == used
    if note is None:
        assert choice.note is None
    else:
        assert choice.note is not None
        assert note in choice.note


def test_an_event_of_a_newer_version_maps_with_the_newest_schema() -> None:
    event = {**USER_MANAGEMENT, "metadata": {**USER_MANAGEMENT["metadata"], "version": "1.10.0"}}
    graph = _map(event)
    assert graph.props["ocsf_version"] == "1.9.0-dev"
    assert _links(graph) == _links(_map(USER_MANAGEMENT))


def test_no_version_and_lines_get_the_newest_without_a_note() -> None:
    assert schema_choice({"class_uid": 3002}) == schema_choice("<13>Mar 1 host app: hi")
    assert schema_choice({"class_uid": 3002}).note is None
    assert schema_choice({"class_uid": 3002}).used == "1.9.0-dev"
