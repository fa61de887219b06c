"""OCSF classes beyond the basics: the entities and Event properties each one yields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event
from shared.mapping.vocabulary import ENTITY_LABELS, RELATIONSHIP_TYPES

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
T = 1710410400000

Links = set[tuple[str, str]]


def links(event: GraphEvent) -> Links:
    return {(link.rel, link.entity.key) for link in event.links}


HTTP_ACTIVITY: dict[str, Any] = {
    "class_uid": 4002,
    "activity_id": 3,  # Get
    "time": T,
    "http_request": {
        "http_method": "GET",
        "user_agent": "curl/8.5.0",
        "url": {
            "url_string": "https://Login.Example.com/oauth/authorize?client_id=abc",
            "hostname": "Login.Example.com.",
            "path": "/oauth/authorize",
        },
    },
    "http_response": {"code": 302},
    "src_endpoint": {"ip": "10.0.0.5"},
    "dst_endpoint": {"ip": "93.184.216.34", "port": 443},
}

DNS_ACTIVITY: dict[str, Any] = {
    "class_uid": 4003,
    "activity_id": 2,  # Response
    "time": T,
    "query": {"hostname": "www.Example.com", "type": "A", "class": "IN"},
    "answers": [
        {"rdata": "www.example.com.cdn.example.net.", "type": "CNAME"},
        {"rdata": "93.184.216.34", "type": "A"},
        {"rdata": "2606:2800:0220:0001:0248:1893:25c8:1946", "type": "AAAA"},
        {"rdata": "v=spf1 -all", "type": "TXT"},
        {"rdata": "not-an-ip", "type": "A"},
    ],
    "rcode": "NoError",
    "src_endpoint": {"ip": "10.0.0.5"},
    "dst_endpoint": {"ip": "10.0.0.53"},
}

PROCESS_ACTIVITY: dict[str, Any] = {
    "class_uid": 1007,
    "activity_id": 1,  # Launch
    "time": T,
    "device": {"hostname": "WS-1", "ip": "10.0.0.9"},
    "actor": {
        "user": {"name": "bob", "domain": "CORP"},
        "process": {"pid": 1000, "name": "explorer.exe", "created_time": T - 60_000},
    },
    "process": {
        "pid": 4242,
        "name": "powershell.exe",
        "cmd_line": "powershell -enc AAAA",
        "created_time": T,
        "parent_process": {"uid": "proc-guid-1000"},
        "user": {"name": "bob", "domain": "CORP"},
    },
}

FILE_ACTIVITY: dict[str, Any] = {
    "class_uid": 1001,
    "activity_id": 1,  # Create
    "time": T,
    "device": {"uid": "host-guid-9", "hostname": "ws-9"},
    "actor": {
        "user": {"uid": "S-1-5-21-7"},
        "process": {"uid": "proc-guid-7", "name": "winword.exe"},
    },
    "file": {"path": "C:\\Users\\bob\\Downloads\\invoice.docm", "name": "invoice.docm"},
}

API_ACTIVITY: dict[str, Any] = {
    "class_uid": 6003,
    "activity_id": 4,  # Delete
    "time": T,
    "actor": {"user": {"uid": "AIDAEXAMPLE", "name": "ci-deployer", "type": "IAMUser"}},
    "api": {"operation": "DeleteBucket", "service": {"name": "s3.amazonaws.com"}},
    "src_endpoint": {"ip": "198.51.100.23"},
    "cloud": {"provider": "AWS", "region": "eu-west-1", "account": {"uid": "123456789012"}},
    "resources": [
        {"uid": "arn:aws:s3:::prod-logs", "name": "prod-logs", "type": "AWS::S3::Bucket"}
    ],
    "metadata": {"product": {"name": "CloudTrail", "vendor_name": "AWS"}, "uid": "ct-1"},
}

DETECTION_FINDING: dict[str, Any] = {
    "class_uid": 2004,
    "activity_id": 1,  # Create
    "time": T,
    "severity_id": 4,
    "finding_info": {"uid": "finding-77", "title": "Suspicious PowerShell download cradle"},
    "resources": [
        {"name": "ws-1", "type": "host", "hostname": "ws-1"},
        {"type": "note"},
    ],
    "evidences": [
        {
            "process": {"uid": "proc-guid-4242", "name": "powershell.exe"},
            "dst_endpoint": {"ip": "203.0.113.80"},
            "user": {"name": "bob"},
        },
        {"device": {"hostname": "ws-1"}, "file": {"path": "C:\\Temp\\p.ps1"}},
    ],
}

ACCOUNT_CHANGE: dict[str, Any] = {
    "class_uid": 3001,
    "activity_id": 1,  # Create
    "time": T,
    "user": {"name": "svc-backup", "domain": "CORP"},
    "actor": {"user": {"name": "admin", "domain": "CORP"}},
    "device": {"hostname": "dc01.corp.example"},
}

UNKNOWN_CLASS: dict[str, Any] = {
    "class_uid": 99001,
    "time": T,
    "user": {"name": "carol"},
    "src_endpoint": {"ip": "10.0.0.1"},
    "query": {"hostname": "example.org"},
    "api": {"operation": "DoThing"},
}

CASES: list[tuple[str, dict[str, Any], Links, dict[str, Any]]] = [
    (
        "http 4002",
        HTTP_ACTIVITY,
        {
            ("HAS_SOURCE", "IP:10.0.0.5"),
            ("HAS_DESTINATION", "IP:93.184.216.34"),
            ("HAS_URL", "Url:https://Login.Example.com/oauth/authorize?client_id=abc"),
            ("HAS_DOMAIN", "Domain:login.example.com"),
        },
        {"http_method": "GET", "user_agent": "curl/8.5.0", "http_status": 302, "dst_port": 443},
    ),
    (
        "dns 4003",
        DNS_ACTIVITY,
        {
            ("HAS_SOURCE", "IP:10.0.0.5"),
            ("HAS_DESTINATION", "IP:10.0.0.53"),
            ("QUERIED", "Domain:www.example.com"),
            ("RESOLVED_TO", "Domain:www.example.com.cdn.example.net"),
            ("RESOLVED_TO", "IP:93.184.216.34"),
            ("RESOLVED_TO", "IP:2606:2800:220:1:248:1893:25c8:1946"),
        },
        {"dns_query_type": "A", "dns_rcode": "NoError"},
    ),
    (
        "process 1007",
        PROCESS_ACTIVITY,
        {
            ("ON_DEVICE", "Host:ws-1"),
            ("ON_DEVICE", "IP:10.0.0.9"),
            ("HAS_PRINCIPAL", "User:corp\\bob"),
            ("HAS_USER", "User:corp\\bob"),
            ("HAS_ACTOR_PROCESS", f"Process@Host:ws-1/1000/{T - 60_000}"),
            ("HAS_PROCESS", f"Process@Host:ws-1/4242/{T}"),
            ("HAS_PARENT_PROCESS", "Process:proc-guid-1000"),
        },
        {"cmd_line": "powershell -enc AAAA", "type_uid": 100701},
    ),
    (
        "file 1001",
        FILE_ACTIVITY,
        {
            ("ON_DEVICE", "Host:host-guid-9"),
            ("HAS_PRINCIPAL", "User:S-1-5-21-7"),
            ("HAS_ACTOR_PROCESS", "Process:proc-guid-7"),
            ("HAS_FILE", "File@Host:host-guid-9/C:\\Users\\bob\\Downloads\\invoice.docm"),
        },
        {"category_uid": 1},
    ),
    (
        "api 6003",
        API_ACTIVITY,
        {
            ("HAS_PRINCIPAL", "User:AIDAEXAMPLE"),
            ("HAS_ACCOUNT", "Account:aws/123456789012"),
            ("HAS_SOURCE", "IP:198.51.100.23"),
            ("HAS_RESOURCE", "Resource:arn:aws:s3:::prod-logs"),
        },
        {
            "api_operation": "DeleteBucket",
            "api_service": "s3.amazonaws.com",
            "cloud_provider": "AWS",
            "cloud_region": "eu-west-1",
            "cloud_account": "123456789012",
            "product": "CloudTrail",
        },
    ),
    (
        "detection finding 2004",
        DETECTION_FINDING,
        {
            ("HAS_RESOURCE", "Resource:host/ws-1"),
            ("HAS_RESOURCE", "Host:ws-1"),
            ("HAS_PROCESS", "Process:proc-guid-4242"),
            ("HAS_DESTINATION", "IP:203.0.113.80"),
            ("HAS_USER", "User@Event:o1/bob"),
            ("ON_DEVICE", "Host:ws-1"),
            ("HAS_FILE", "File@Host:ws-1/C:\\Temp\\p.ps1"),
        },
        {"finding_title": "Suspicious PowerShell download cradle", "finding_uid": "finding-77"},
    ),
    (
        "account change 3001",
        ACCOUNT_CHANGE,
        {
            ("HAS_USER", "User:corp\\svc-backup"),
            ("HAS_PRINCIPAL", "User:corp\\admin"),
            ("ON_DEVICE", "Host:dc01.corp.example"),
        },
        {"type_uid": 300101},
    ),
    (
        "unknown class keeps what it recognises",
        UNKNOWN_CLASS,
        {
            ("HAS_USER", "User@Event:o1/carol"),
            ("HAS_SOURCE", "IP:10.0.0.1"),
            ("QUERIED", "Domain:example.org"),
        },
        {"class_uid": 99001, "category_uid": 99, "api_operation": "DoThing"},
    ),
]


@pytest.mark.parametrize(
    ("raw", "expected_links", "props"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_class_mapping(raw: dict[str, Any], expected_links: Links, props: dict[str, Any]) -> None:
    event = to_graph_event("o1", "ocsf", raw, RECEIVED)
    assert links(event) == expected_links
    assert {name: event.props.get(name) for name in props} == props


def test_labels_and_relationships_are_allowlisted() -> None:
    for _, raw, _, _ in CASES:
        for link in to_graph_event("a", "ocsf", raw, RECEIVED).links:
            assert link.rel in RELATIONSHIP_TYPES
            assert link.entity.label in ENTITY_LABELS


def test_long_urls_are_keyed_by_digest() -> None:
    url = "https://example.com/?q=" + "x" * 3000
    raw = {"class_uid": 4002, "http_request": {"url": url}}
    (url_link, domain_link) = to_graph_event("u", "ocsf", raw, RECEIVED).links
    assert url_link.entity.key.startswith("Url:sha256:")
    assert len(url_link.entity.key) == len("Url:sha256:") + 64
    assert url_link.entity.attrs == {"url": url}
    assert domain_link.entity.key == "Domain:example.com"


def test_ip_literal_url_host_is_no_domain() -> None:
    raw = {
        "class_uid": 4002,
        "http_request": {"url": {"url_string": "http://[2001:db8::1]:8080/x"}},
    }
    assert links(to_graph_event("u", "ocsf", raw, RECEIVED)) == {
        ("HAS_URL", "Url:http://[2001:db8::1]:8080/x")
    }


def test_properties_of_odd_shapes_are_skipped_not_refused() -> None:
    raw = {"class_uid": 6003, "api": {"operation": {"nested": True}}, "cloud": "aws"}
    event = to_graph_event("p", "ocsf", raw, RECEIVED)
    assert "api_operation" not in event.props
    assert "cloud_provider" not in event.props


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"class_uid": 4003, "answers": ["1.2.3.4"]}, "answers[0]"),
        ({"class_uid": 4003, "query": "example.com"}, "query"),
        ({"class_uid": 4002, "http_request": "GET /"}, "http_request"),
        ({"class_uid": 2004, "evidences": [{"src_endpoint": {"ip": "x"}}]}, "evidences[0].src_endpoint.ip"),
        ({"class_uid": 2004, "resources": [{"uid": "r", "ip": "300.0.0.1"}]}, "resources[0].ip"),
        ({"class_uid": 1007, "process": {"parent_process": [7]}}, "process.parent_process[0]"),
    ],
)  # fmt: skip
def test_malformed_objects_are_dropped_and_named(raw: dict[str, Any], path: str) -> None:
    event = to_graph_event("x", "ocsf", raw, RECEIVED)
    assert path in {dropped.path for dropped in event.dropped}


def test_a_lone_object_where_a_list_belongs_is_read_as_one_item() -> None:
    raw = {"class_uid": 4003, "answers": {"rdata": "1.2.3.4"}}
    event = to_graph_event("x", "ocsf", raw, RECEIVED)
    assert links(event) == {("RESOLVED_TO", "IP:1.2.3.4")}
    assert event.dropped == ()
