from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.core.errors import InvalidEvent
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event
from tests.samples import DOCS_EXAMPLE, ocsf_authentication, ocsf_network_activity

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)


def links(event: GraphEvent) -> set[tuple[str, str, str | None]]:
    return {(link.rel, link.entity.key, link.entity.label) for link in event.links}


def test_docs_example_maps_src_user() -> None:
    event = to_graph_event("e1", "ocsf", DOCS_EXAMPLE["event"], RECEIVED)
    assert event.props["class_uid"] == 1001
    assert event.props["category_uid"] == 1
    assert event.props["message"] == "Failed login"
    assert event.time == datetime(2024, 3, 14, 10, 0, tzinfo=UTC)
    assert links(event) == {("HAS_SOURCE", "User:user123", "User")}
    assert event.links[0].entity.attrs == {"uid": "user123", "name": "john.doe"}


def test_ocsf_authentication_entities() -> None:
    event = to_graph_event("a1", "ocsf", ocsf_authentication("a1"), RECEIVED)
    assert links(event) == {
        ("HAS_PRINCIPAL", "User:S-1-5-21-1004", "User"),
        ("HAS_USER", "User:corp\\alice", "User"),
        ("HAS_SOURCE", "IP:10.0.0.5", "IP"),
        ("HAS_SOURCE", "Host:laptop-7", "Host"),
        ("HAS_DESTINATION", "IP:10.0.0.10", "IP"),
        ("HAS_DESTINATION", "Host:dc01.corp.example", "Host"),
        ("ON_DEVICE", "Host:dev-dc01", "Host"),
    }
    assert event.props["product"] == "Windows Security"
    assert event.props["type_uid"] == 300201
    assert event.time == datetime(2024, 3, 14, 10, 0, tzinfo=UTC)


def test_network_activity_epoch_seconds_and_string_class() -> None:
    event = to_graph_event("n1", "ocsf", ocsf_network_activity("n1"), RECEIVED)
    assert event.props["class_uid"] == 4001
    assert event.time == datetime(2024, 3, 14, 10, 1, 0, 500000, tzinfo=UTC)
    assert links(event) == {
        ("HAS_SOURCE", "IP:10.0.0.5", "IP"),
        ("HAS_DESTINATION", "IP:93.184.216.34", "IP"),
    }


def test_ip_keys_are_canonical() -> None:
    event = to_graph_event(
        "i1", "ocsf", {"class_uid": 4001, "src_endpoint": {"ip": "2001:DB8:0:0::1"}}, RECEIVED
    )
    assert links(event) == {("HAS_SOURCE", "IP:2001:db8::1", "IP")}


def test_process_and_file_keys() -> None:
    raw = {
        "class_uid": 1007,
        "device": {"hostname": "WS-1"},
        "process": {"pid": 4242, "name": "powershell.exe", "created_time": 1710410400000},
        "file": {
            "path": "C:\\Temp\\a.ps1",
            "hashes": [
                {"algorithm_id": 2, "value": "AA" * 20},
                {"algorithm": "SHA-256", "value": "BB" * 32},
            ],
        },
    }
    event = to_graph_event("p1", "ocsf", raw, RECEIVED)
    assert links(event) == {
        ("ON_DEVICE", "Host:ws-1", "Host"),
        ("HAS_PROCESS", "Process@Host:ws-1/4242/1710410400000", "Process"),
        ("HAS_FILE", "File:sha256:" + "bb" * 32, "File"),
    }


def test_a_type_outside_the_allowlist_is_dropped_with_its_reason() -> None:
    raw = {"class_uid": 1, "src": {"type": "User) DETACH DELETE n //", "id": "x"}}
    event = to_graph_event("u1", "ocsf", raw, RECEIVED)
    assert event.links == ()
    (dropped,) = event.dropped
    assert dropped.path == "src.type"
    assert dropped.reason.startswith("is not one of the entity types")


@pytest.mark.parametrize("raw_type", ["User:Admin", "user:admin", "Host:x", "Users", "User)"])
def test_a_type_with_a_colon_cannot_take_over_another_key(raw_type: str) -> None:
    """`{"type": "User:Admin", "id": "x"}` once keyed `User:Admin:x`, the key of
    `{"type": "User", "id": "Admin:x"}`: now the kind part is the allowlisted label only."""
    crafted = to_graph_event(
        "c1", "ocsf", {"class_uid": 1, "src": {"type": raw_type, "id": "x"}}, RECEIVED
    )
    assert crafted.links == ()
    honest = to_graph_event(
        "c2", "ocsf", {"class_uid": 1, "src": {"type": "User", "id": "Admin:x"}}, RECEIVED
    )
    (link,) = honest.links
    assert link.entity.key == "User:Admin:x"
    assert link.entity.label == "User"


def test_type_matching_is_case_insensitive() -> None:
    event = to_graph_event(
        "c1", "ocsf", {"class_uid": 1, "dst": {"type": "ip", "ip": "10.1.1.1"}}, RECEIVED
    )
    assert links(event) == {("HAS_DESTINATION", "IP:10.1.1.1", "IP")}


def test_missing_time_uses_received_at() -> None:
    event = to_graph_event("t1", "ocsf", {"class_uid": 1}, RECEIVED)
    assert event.time == RECEIVED


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        ({}, ("event", "class_uid")),
        ({"class_uid": "abc"}, ("event", "class_uid")),
        ({"class_uid": True}, ("event", "class_uid")),
        ({"class_uid": 1, "time": "yesterday"}, ("event", "time")),
        ({"class_uid": 1, "time": -5}, ("event", "time")),
    ],
)
def test_unplaceable_events_name_the_field(raw: dict[str, object], loc: tuple[str, ...]) -> None:
    with pytest.raises(InvalidEvent) as caught:
        to_graph_event("x", "ocsf", raw, RECEIVED)
    assert caught.value.loc == loc


@pytest.mark.parametrize(
    ("raw", "path", "reason"),
    [
        ({"class_uid": 1, "src": "10.0.0.1"}, "src", "must be an object"),
        ({"class_uid": 1, "src": {"type": "IP", "ip": "999.1.1.1"}}, "src.ip", "is not a valid IP address"),
        ({"class_uid": 1, "src": {"name": "nobody"}}, "src.type", "needed when neither ip nor hostname is given"),
        ({"class_uid": 1, "src_endpoint": {"ip": "not-an-ip"}}, "src_endpoint.ip", "is not a valid IP address"),
        ({"class_uid": 1, "severity_id": 1000}, "severity_id", "must be between 0 and 99"),
        ({"class_uid": 1, "status_id": -1}, "status_id", "must be between 0 and 99"),
        ({"class_uid": 1, "message": ["a", "b"]}, "message", "must be a string"),
        ({"class_uid": 1, "file": {"hashes": "abc"}}, "file.hashes", "must be an object"),
    ],
)  # fmt: skip
def test_bad_optional_fields_are_dropped_and_reported(
    raw: dict[str, object], path: str, reason: str
) -> None:
    event = to_graph_event("x", "ocsf", raw, RECEIVED)
    assert (path, reason) in {(d.path, d.reason) for d in event.dropped}
    assert event.props["class_uid"] == 1


def test_ocsf_object_without_identity_is_skipped() -> None:
    event = to_graph_event("s1", "ocsf", {"class_uid": 3002, "user": {"type": "Admin"}}, RECEIVED)
    assert event.links == ()


def test_unsupported_source_format() -> None:
    with pytest.raises(InvalidEvent) as caught:
        to_graph_event("x", "leef", "LEEF:1.0|a|b|1|1|", RECEIVED)
    assert caught.value.loc == ("source_format",)


@pytest.mark.parametrize(
    ("simplified", "ocsf_ip"),
    [
        ({"type": "IP", "id": "2001:0DB8:0000::0001"}, "2001:db8::1"),
        ({"type": "ip", "id": " 2001:db8::1 "}, "2001:DB8::1"),
        ({"type": "IP", "id": "::FFFF:10.0.0.5"}, "::ffff:10.0.0.5"),
        ({"type": "IP", "id": "10.0.0.5", "ip": "10.0.0.5"}, "10.0.0.5"),
        ({"type": "IP", "ip": "2001:DB8::0:1"}, "2001:db8::1"),
    ],
)
def test_simplified_ip_is_keyed_like_ocsf_ip_fields(
    simplified: dict[str, str], ocsf_ip: str
) -> None:
    event = to_graph_event(
        "ip1",
        "ocsf",
        {"class_uid": 4001, "src": simplified, "src_endpoint": {"ip": ocsf_ip}},
        RECEIVED,
    )
    (link,) = event.links
    assert link.rel == "HAS_SOURCE"
    assert link.entity.label == "IP"
    assert link.entity.attrs["address"] == link.entity.key.removeprefix("IP:")


def test_simplified_ip_keeps_its_other_attributes() -> None:
    src = {"type": "IP", "id": "2001:DB8::1", "name": "gateway", "hostname": "GW-1"}
    (link,) = to_graph_event("ip2", "ocsf", {"class_uid": 4001, "src": src}, RECEIVED).links
    assert link.entity.key == "IP:2001:db8::1"
    assert link.entity.attrs == {"address": "2001:db8::1", "name": "gateway", "hostname": "GW-1"}


@pytest.mark.parametrize("src", [{"type": "IP", "id": "not-an-ip"}, {"type": "IP", "name": "gw"}])
def test_simplified_ip_without_an_address_is_dropped(src: dict[str, str]) -> None:
    event = to_graph_event("ip3", "ocsf", {"class_uid": 4001, "src": src}, RECEIVED)
    assert event.links == ()
    assert [(d.path, d.reason) for d in event.dropped] == [
        ("src", "an IP needs its address in ip or id")
    ]


def test_the_original_projects_event_links_by_address_and_keeps_the_ids() -> None:
    raw = {
        "class_uid": 4001,
        "src": {"id": "src-1234", "type": "IP", "ip": "192.168.1.100"},
        "dst": {"id": "dst-5678", "type": "IP", "ip": "10.0.0.5"},
        "principal": {"id": "user-9012", "type": "User", "name": "admin", "domain": "test.local"},
    }
    event = to_graph_event("orig", "ocsf", raw, RECEIVED)
    assert {(link.rel, link.entity.key, link.entity.attrs.get("uid")) for link in event.links} == {
        ("HAS_SOURCE", "IP:192.168.1.100", "src-1234"),
        ("HAS_DESTINATION", "IP:10.0.0.5", "dst-5678"),
        ("HAS_PRINCIPAL", "User:user-9012", "user-9012"),
    }
    assert event.dropped == ()


def test_attributes_of_another_version_than_the_label_still_map() -> None:
    raw = {
        "class_uid": 2004,
        "metadata": {"version": "1.0.0"},  # evidences and finding_info came with 1.1
        "evidences": [{"src_endpoint": {"ip": "10.1.1.1"}}],
        "cloud": {"provider": "AWS", "account_uid": "123456789012"},  # 1.0 only
    }
    for version in ("1.0.0", "1.7.0"):
        raw["metadata"] = {"version": version}
        assert links(to_graph_event("v", "ocsf", raw, RECEIVED)) == {
            ("HAS_SOURCE", "IP:10.1.1.1", "IP"),
            ("HAS_ACCOUNT", "Account:aws/123456789012", "Account"),
        }


def test_type_uid_names_the_class_when_class_uid_is_missing() -> None:
    event = to_graph_event("t", "ocsf", {"type_uid": 300201}, RECEIVED)
    assert event.props["class_uid"] == 3002


@pytest.mark.parametrize(
    "raw",
    [
        {"class_uid": 1, "time": "2024-03-14 10:00:00 UTC"},
        {"class_uid": 1, "time": "Thu, 14 Mar 2024 10:00:00 GMT"},
        {"class_uid": 1, "time_dt": "2024-03-14T10:00:00Z"},
        {"class_uid": 1, "time": "soon", "time_dt": "2024-03-14T10:00:00Z"},
    ],
)
def test_time_forms_and_the_datetime_profile_copy(raw: dict[str, object]) -> None:
    assert to_graph_event("t", "ocsf", raw, RECEIVED).time == datetime(2024, 3, 14, 10, tzinfo=UTC)


@pytest.mark.parametrize("text", ["10.0.0.5:443", "[2001:DB8::1]:443", "[2001:db8::1]"])
def test_an_address_with_its_port_is_the_address(text: str) -> None:
    raw = {"class_uid": 4001, "src_endpoint": {"ip": text}}
    (link,) = to_graph_event("p", "ocsf", raw, RECEIVED).links
    assert link.entity.key in {"IP:10.0.0.5", "IP:2001:db8::1"}


def test_an_address_field_with_several_addresses_names_each() -> None:
    raw = {"class_uid": 4009, "email": {"to": "Bob <bob@x.example>, carol@y.example"}}
    assert links(to_graph_event("m", "ocsf", raw, RECEIVED)) == {
        ("HAS_TO", "Email:bob@x.example", "Email"),
        ("HAS_TO", "Email:carol@y.example", "Email"),
    }


def test_a_file_keeps_every_hash_and_is_keyed_by_the_strongest() -> None:
    event = {
        "class_uid": 1001,
        "device": {"hostname": "ws-17"},
        "file": {
            "path": "/opt/tool/bin/agent",
            "hashes": [
                {"algorithm_id": 1, "value": "0123456789ABCDEF0123456789ABCDEF"},
                {"algorithm": "SHA-1", "value": "a" * 40},
                {"algorithm_id": 3, "value": "B" * 64},
                {"algorithm_id": 5, "value": "96:AbCdEf:GhIj"},
                {"algorithm_id": 6, "value": "T1" + "A2B3" * 17 + "C4"},
                {"algorithm_id": 99, "algorithm": "imphash", "value": "C" * 32},
                {"algorithm": "nonsense-hash", "value": "zzz"},
            ],
        },
    }
    graph = to_graph_event("h", "ocsf", event, datetime(2024, 3, 14, tzinfo=UTC))
    (file,) = [link.entity for link in graph.links if link.entity.type == "File"]
    assert file.key == "File:sha256:" + "b" * 64
    assert {
        name: file.attrs.get(name)
        for name in ("md5", "sha1", "sha256", "ssdeep", "tlsh", "imphash")
    } == {
        "md5": "0123456789abcdef0123456789abcdef",
        "sha1": "a" * 40,
        "sha256": "b" * 64,
        "ssdeep": "96:AbCdEf:GhIj",
        "tlsh": "T1" + "A2B3" * 17 + "C4",
        "imphash": "c" * 32,
    }
    assert set(file.attrs) == {"path", "hash", "md5", "sha1", "sha256", "ssdeep", "tlsh", "imphash"}


def test_an_osint_indicator_is_the_entity_its_type_names() -> None:
    event = {
        "class_uid": 5021,
        "device": {"hostname": "intel-02"},
        "osint": [
            {"type_id": 1, "value": "198.51.100.23"},
            {"type_id": 2, "value": "Bad-Domain.example"},
            {"type_id": 3, "value": "relay.bad-domain.example"},
            {"type_id": 4, "value": "E" * 64},
            {"type_id": 5, "value": "https://bad-domain.example/payload"},
            {"type_id": 9, "value": "ops@bad-domain.example"},
            {"type": "IP Address", "value": "203.0.113.201"},
            {"type_id": 6, "value": "Mozilla/5.0"},  # a user agent is no entity
            {"type_id": 1, "value": "255.255.255.255"},  # nor is broadcast
        ],
    }
    graph = to_graph_event("o", "ocsf", event, datetime(2024, 3, 14, tzinfo=UTC))
    assert {(link.rel, link.entity.key) for link in graph.links if link.rel == "HAS_OSINT"} == {
        ("HAS_OSINT", "IP:198.51.100.23"),
        ("HAS_OSINT", "Domain:bad-domain.example"),
        ("HAS_OSINT", "Host:relay.bad-domain.example"),
        ("HAS_OSINT", "File:sha256:" + "e" * 64),
        ("HAS_OSINT", "Url:https://bad-domain.example/payload"),
        ("HAS_OSINT", "Email:ops@bad-domain.example"),
        ("HAS_OSINT", "IP:203.0.113.201"),
    }
