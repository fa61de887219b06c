"""CEF and syslog lines (and the wider OCSF classes) through the API into the real Neo4j.

Each sample asserts the exact relationships and entity nodes its event creates.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from shared.mapping.ocsf.schema import SCHEMA
from tests.conftest import Graph
from tests.unit import test_cef as cef
from tests.unit import test_cef_senders as cef_senders
from tests.unit import test_ocsf_classes as ocsf
from tests.unit import test_syslog as syslog

Row = tuple[str, str, list[str]]

EDGES = """
MATCH (e:Event {id: $id})-[r]->(n:Entity)
RETURN type(r) AS rel, n.key AS key, [l IN labels(n) WHERE l <> 'Entity'] AS labels
ORDER BY rel, key
"""


def edges(graph: Graph, event_id: str) -> list[Row]:
    return [(r["rel"], r["key"], r["labels"]) for r in graph.query(EDGES, id=event_id)]


def post(client: TestClient, event_id: str, fmt: str, event: Any) -> dict[str, Any]:
    response = client.post("/events", json={"id": event_id, "source_format": fmt, "event": event})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


NETFILTER_GLUED = (
    "<4>Mar 14 10:00:00 gw kernel: [wan-lan-default-D]IN=eth0 OUT=eth1 MAC=00:11:22:33:44:55 "
    "SRC=203.0.113.5 DST=192.168.1.10 LEN=52 PROTO=TCP SPT=443 DPT=50432"
)
SSHD_INVALID_USER = (
    "<38>Mar 14 10:00:00 web-1 sshd[99]: Invalid user oracle from 203.0.113.77 port 41234"
)

SAMPLES: list[tuple[str, str, Any, int, list[Row]]] = [
    (
        "cef-dtz-ad-keys",
        "cef",
        cef_senders.DTZ,
        4001,
        [
            ("HAS_DESTINATION", "Host:ws-7", ["Host"]),
            ("HAS_SOURCE", "IP:10.0.0.7", ["IP"]),
            ("HAS_USER", "User:corp\\bob", ["User"]),
        ],
    ),
    (
        "syslog-netfilter-glued-prefix",
        "syslog",
        NETFILTER_GLUED,
        4001,
        [
            ("HAS_DESTINATION", "IP:192.168.1.10", ["IP"]),
            ("HAS_SOURCE", "IP:203.0.113.5", ["IP"]),
            ("ON_DEVICE", "Host:gw", ["Host"]),
        ],
    ),
    (
        "syslog-sshd-invalid-user",
        "syslog",
        SSHD_INVALID_USER,
        3002,
        [
            ("HAS_ACTOR_PROCESS", "Process@Host:web-1/99/sshd", ["Process"]),
            ("HAS_SOURCE", "IP:203.0.113.77", ["IP"]),
            ("HAS_USER", "User@Host:web-1/oracle", ["User"]),
            ("ON_DEVICE", "Host:web-1", ["Host"]),
        ],
    ),
    (
        "cef-palo-alto",
        "cef",
        cef.PALO_ALTO,
        4001,
        [
            ("HAS_DESTINATION", "IP:93.184.216.34", ["IP"]),
            ("HAS_PRINCIPAL", "User:corp\\alice", ["User"]),
            ("HAS_SOURCE", "IP:10.0.0.5", ["IP"]),
            ("ON_DEVICE", "Host:pa-fw01", ["Host"]),
        ],
    ),
    (
        "cef-windows-logon",
        "cef",
        cef.WINDOWS_LOGON,
        3002,
        [
            ("HAS_SOURCE", "Host:laptop-7", ["Host"]),
            ("HAS_SOURCE", "IP:10.0.0.7", ["IP"]),
            ("HAS_USER", "User:corp\\alice", ["User"]),
            ("ON_DEVICE", "Host:dc01.corp.example", ["Host"]),
        ],
    ),
    (
        "cef-trend-ips",
        "cef",
        cef.TREND_IPS,
        4001,
        [
            ("HAS_DESTINATION", "IP:10.0.0.12", ["IP"]),
            ("HAS_SOURCE", "IP:203.0.113.66", ["IP"]),
            ("ON_DEVICE", "Host:web-01", ["Host"]),
        ],
    ),
    (
        "cef-zscaler",
        "cef",
        cef.ZSCALER_WEB,
        4002,
        [
            ("HAS_DESTINATION", "Host:www.example.com", ["Host"]),
            ("HAS_DESTINATION", "IP:93.184.216.34", ["IP"]),
            ("HAS_DOMAIN", "Domain:www.example.com", ["Domain"]),
            ("HAS_EMAIL_ADDR", "Email:alice@example.com", ["Email"]),
            ("HAS_PRINCIPAL", "User:alice@example.com", ["User"]),
            ("HAS_SOURCE", "IP:10.0.0.5", ["IP"]),
            ("HAS_URL", "Url:https://www.example.com/login?next=/home", ["Url"]),
        ],
    ),
    (
        "syslog-sshd-failed",
        "syslog",
        syslog.SSHD_FAILED,
        3002,
        [
            ("HAS_ACTOR_PROCESS", "Process@Host:web-1/4242/sshd", ["Process"]),
            ("HAS_SOURCE", "IP:203.0.113.9", ["IP"]),
            ("HAS_USER", "User@Host:web-1/admin", ["User"]),
            ("ON_DEVICE", "Host:web-1", ["Host"]),
        ],
    ),
    (
        "syslog-sshd-accepted-5424",
        "syslog",
        syslog.SSHD_ACCEPTED_5424,
        3002,
        [
            ("HAS_ACTOR_PROCESS", "Process@Host:web-1/4243/sshd", ["Process"]),
            ("HAS_SOURCE", "IP:10.0.0.5", ["IP"]),
            ("HAS_USER", "User@Host:web-1/alice", ["User"]),
            ("ON_DEVICE", "Host:web-1", ["Host"]),
        ],
    ),
    (
        "syslog-sudo",
        "syslog",
        syslog.SUDO,
        1007,
        [
            ("HAS_PRINCIPAL", "User@Host:web-1/alice", ["User"]),
            ("HAS_USER", "User@Host:web-1/root", ["User"]),
            ("ON_DEVICE", "Host:web-1", ["Host"]),
        ],
    ),
    (
        "syslog-iptables",
        "syslog",
        syslog.IPTABLES,
        4001,
        [
            ("HAS_DESTINATION", "IP:10.0.0.5", ["IP"]),
            ("HAS_SOURCE", "IP:198.51.100.7", ["IP"]),
            ("ON_DEVICE", "Host:fw01", ["Host"]),
        ],
    ),
    (
        "ocsf-dns",
        "ocsf",
        ocsf.DNS_ACTIVITY,
        4003,
        [
            ("HAS_DESTINATION", "IP:10.0.0.53", ["IP"]),
            ("HAS_SOURCE", "IP:10.0.0.5", ["IP"]),
            ("QUERIED", "Domain:www.example.com", ["Domain"]),
            ("RESOLVED_TO", "Domain:www.example.com.cdn.example.net", ["Domain"]),
            ("RESOLVED_TO", "IP:2606:2800:220:1:248:1893:25c8:1946", ["IP"]),
            ("RESOLVED_TO", "IP:93.184.216.34", ["IP"]),
        ],
    ),
    (
        "ocsf-api-activity",
        "ocsf",
        ocsf.API_ACTIVITY,
        6003,
        [
            ("HAS_ACCOUNT", "Account:aws/123456789012", ["Account"]),
            ("HAS_PRINCIPAL", "User:AIDAEXAMPLE", ["User"]),
            ("HAS_RESOURCE", "Resource:arn:aws:s3:::prod-logs", ["Resource"]),
            ("HAS_SOURCE", "IP:198.51.100.23", ["IP"]),
        ],
    ),
    (
        "ocsf-process",
        "ocsf",
        ocsf.PROCESS_ACTIVITY,
        1007,
        [
            ("HAS_ACTOR_PROCESS", "Process@Host:ws-1/1000/1710410340000", ["Process"]),
            ("HAS_PARENT_PROCESS", "Process:proc-guid-1000", ["Process"]),
            ("HAS_PRINCIPAL", "User:corp\\bob", ["User"]),
            ("HAS_PROCESS", "Process@Host:ws-1/4242/1710410400000", ["Process"]),
            ("HAS_USER", "User:corp\\bob", ["User"]),
            ("ON_DEVICE", "Host:ws-1", ["Host"]),
            ("ON_DEVICE", "IP:10.0.0.9", ["IP"]),
        ],
    ),
]


@pytest.mark.parametrize(
    ("event_id", "fmt", "event", "class_uid", "expected"), SAMPLES, ids=[s[0] for s in SAMPLES]
)
def test_sample_creates_exactly_its_graph(
    direct_client: TestClient,
    graph: Graph,
    event_id: str,
    fmt: str,
    event: Any,
    class_uid: int,
    expected: list[Row],
) -> None:
    body = post(direct_client, event_id, fmt, event)
    schema = body.pop("ocsf_schema")
    metadata = event.get("metadata") if isinstance(event, dict) else None
    assert schema["declared"] == (metadata or {}).get("version")
    assert schema["used"] in SCHEMA.versions
    assert body == {"id": event_id, "event": event, "dropped": [], "duplicate": False}
    assert edges(graph, event_id) == expected
    stored = graph.query(
        "MATCH (e:Event {id: $id}) RETURN e.class_uid AS c, e.source_format AS f", id=event_id
    )
    assert stored == [{"c": class_uid, "f": fmt}]
    # Nothing else: the event plus its distinct entities, one relationship per row.
    assert graph.counts() == (1 + len({key for _, key, _ in expected}), len(expected))
    # Reads give the line back as it was sent.
    detail = direct_client.get(f"/events/{event_id}").json()
    assert detail["event"] == event
    assert sorted((e["relationship"], e["key"]) for e in detail["entities"]) == [
        (rel, key) for rel, key, _ in expected
    ]


def test_formats_share_entities(direct_client: TestClient, graph: Graph) -> None:
    """The same IP from a CEF line, a syslog line and OCSF JSON is one node."""
    post(direct_client, "c", "cef", "CEF:0|V|P|1|s|Traffic|3|src=10.0.0.5 dst=10.0.0.6")
    post(direct_client, "s", "syslog", syslog.SSHD_ACCEPTED_5424)  # from 10.0.0.5
    post(direct_client, "o", "ocsf", {"class_uid": 4001, "src_endpoint": {"ip": "10.0.0.5"}})
    assert graph.value("MATCH (n:IP {key: 'IP:10.0.0.5'}) RETURN n.event_count AS c") == 3
    # 10.0.0.5, 10.0.0.6, Host:web-1, the sshd process and alice.
    assert graph.value("MATCH (n:Entity) RETURN count(n) AS c") == 5


def test_sshd_properties_on_the_event(direct_client: TestClient, graph: Graph) -> None:
    post(direct_client, "ssh", "syslog", syslog.SSHD_FAILED)
    props = graph.query(
        "MATCH (e:Event {id: 'ssh'}) RETURN e.status AS status, e.status_detail AS detail, "
        "e.src_port AS port, e.auth_method AS method, e.raw AS raw"
    )
    assert props == [
        {
            "status": "Failure",
            "detail": "Invalid user",
            "port": 52814,
            "method": "password",
            "raw": '"' + syslog.SSHD_FAILED + '"',
        }
    ]


def test_golden_properties_of_the_new_readings(direct_client: TestClient, graph: Graph) -> None:
    """dtz moves the CEF time to UTC; the netfilter prefix and the sshd reading are kept."""
    post(direct_client, "dtz", "cef", cef_senders.DTZ)
    post(direct_client, "nf", "syslog", NETFILTER_GLUED)
    post(direct_client, "inv", "syslog", SSHD_INVALID_USER)
    rows = graph.query(
        "MATCH (e:Event) WHERE e.id IN ['dtz', 'nf', 'inv'] RETURN e.id AS id, "
        "toString(e.time) AS time, e.log_prefix AS prefix, e.action AS action, "
        "e.status_detail AS detail, e.syslog_recogniser AS reader ORDER BY id"
    )
    assert rows == [
        {"id": "dtz", "time": "2024-03-14T10:00:00Z", "prefix": None, "action": None,
         "detail": None, "reader": None},
        {"id": "inv", "time": _this_year("-03-14T10:00:00Z"), "prefix": None, "action": None,
         "detail": "Invalid user", "reader": "sshd-invalid-user"},
        {"id": "nf", "time": _this_year("-03-14T10:00:00Z"), "prefix": "[wan-lan-default-D]",
         "action": "Denied", "detail": None, "reader": "netfilter"},
    ]  # fmt: skip


def test_free_form_line_is_stored_with_how_it_was_read(
    direct_client: TestClient, graph: Graph
) -> None:
    line = "<13>2 2024-03-14T10:00:00Z h sshd 12 - - Failed password for root from 10.9.9.9 port 22"
    post(direct_client, "ff", "syslog", line)
    row = graph.query(
        "MATCH (e:Event {id: 'ff'}) RETURN e.syslog_format AS form, e.raw AS raw, "
        "e.syslog_unparsed_because AS why"
    )
    assert row[0]["form"] == "free-form"
    assert "VERSION 2" in row[0]["why"]
    assert row[0]["raw"] == '"' + line + '"'
    assert edges(graph, "ff") == [
        ("HAS_SOURCE", "IP:10.9.9.9", ["IP"]),
        ("HAS_USER", "User@Event:ff/root", ["User"]),
    ]


def _this_year(rest: str) -> str:
    """The year a year-less `Mar 14` stamp gets: the receipt year, unless that puts it
    more than a day ahead of now."""
    now = datetime.now(UTC)
    return f"{now.year if (now.month, now.day) >= (3, 13) else now.year - 1}{rest}"


MALFORMED: list[tuple[str, Any, str]] = [
    ("cef", "not a cef line", "no CEF header"),
    ("cef", "CEF:2|V|P|1|s|n|5|", "version 2"),
    ("cef", "CEF:0|V|P|1|s|n|5|src=10.0.0.300", "not a valid IP"),
    ("cef", "CEF:0|V|P|1|s|n|5|dpt=99999", "not a port"),
    ("cef", "CEF:0|V|P|1|s|n|5|rt=Mar 14 2024 10:00:00 XYZ", "unknown time zone"),
    ("cef", "CEF:0|V|P", "header ends before"),
    ("cef", {"class_uid": 1}, "must be a string"),
    ("syslog", "", "is empty"),
    ("syslog", "<13>1 - h a - - - \x00\x00binary", "NUL"),
    ("syslog", "\x01\x02\x03\x04\x05", "control code"),
    ("syslog", "x" * 70_000, "longer than 65536"),
    ("syslog", ["<13>1 - - - - - -"], "valid string"),
    ("ocsf", "CEF:0|V|P|1|s|n|1|", "must be a JSON object"),
]


@pytest.mark.parametrize(("fmt", "event", "message"), MALFORMED)
def test_malformed_lines_are_422_and_write_nothing(
    direct_client: TestClient, graph: Graph, fmt: str, event: Any, message: str
) -> None:
    response = direct_client.post("/events", json={"source_format": fmt, "event": event})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"][0] == "event"
    assert any(message in item["msg"] for item in detail), detail
    assert graph.counts() == (0, 0)


@pytest.mark.parametrize(
    "body",
    [
        b'{"source_format": "cef", "event": "CEF:0|V|P|1|s|n\\ud800|1|src=10.0.0.1"}',
        b'{"source_format": "syslog", "event": "<13>1 - h a - - - \\udfff"}',
    ],
)
def test_lone_surrogates_are_refused_not_500(
    direct_client: TestClient, graph: Graph, body: bytes
) -> None:
    response = direct_client.post(
        "/events", content=body, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert graph.counts() == (0, 0)


def test_control_characters_and_non_ascii_are_stored(
    direct_client: TestClient, graph: Graph
) -> None:
    line = "CEF:0|Vendor™|P|1|s|Ünïcode \x00 name|1|msg=tab\there nul\x00 end src=10.0.0.1"
    post(direct_client, "odd", "cef", line)
    assert direct_client.get("/events/odd").json()["event"] == line


def test_batch_mixes_formats_with_per_item_results(direct_client: TestClient, graph: Graph) -> None:
    batch = [
        {"id": "b-cef", "source_format": "cef", "event": cef.FORTINET},
        {"id": "b-bad", "source_format": "syslog", "event": "\x00\x01\x02"},
        {"id": "b-sys", "source_format": "syslog", "event": syslog.IPTABLES_ACCEPT},
        {"id": "b-ocsf", "event": ocsf.HTTP_ACTIVITY},
    ]
    response = direct_client.post("/events/batch", json=batch)
    assert response.status_code == 201, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == [
        "accepted",
        "rejected",
        "accepted",
        "accepted",
    ]
    assert body["results"][1]["detail"][0]["loc"] == ["event"]
    ids = graph.value("MATCH (e:Event) RETURN collect(e.id) AS ids")
    assert sorted(ids) == ["b-cef", "b-ocsf", "b-sys"]
