"""CEF: the parser, the translation to OCSF, and real-world-shaped lines end to end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.errors import InvalidEvent
from shared.mapping.formats.cef import parse_cef, parse_extension
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

Links = set[tuple[str, str]]


def links(event: GraphEvent) -> Links:
    return {(link.rel, link.entity.key) for link in event.links}


# --- parser -----------------------------------------------------------------------------


def test_header_fields_unescape_pipe_and_backslash() -> None:
    record = parse_cef(r"CEF:0|Ven\|dor|Pro\\duct|1.0|sig\|1|Name \| with \\ pipes|7|", RECEIVED)
    assert (record.vendor, record.product, record.signature_id) == ("Ven|dor", "Pro\\duct", "sig|1")
    assert record.name == "Name | with \\ pipes"
    assert (record.version, record.device_version, record.severity) == (0, "1.0", "7")
    assert record.extensions == {}
    assert record.syslog is None


def test_header_without_the_last_pipe_has_no_extension() -> None:
    record = parse_cef("CEF:1|V|P|1|s|n|Low", RECEIVED)
    assert (record.version, record.severity, record.extensions) == (1, "Low", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("src=10.0.0.1 dst=10.0.0.2", {"src": "10.0.0.1", "dst": "10.0.0.2"}),
        ("msg=a value with spaces act=blocked", {"msg": "a value with spaces", "act": "blocked"}),
        (r"msg=a\=b c\\d", {"msg": "a=b c\\d"}),
        (r"msg=line1\nline2\rx", {"msg": "line1\nline2\rx"}),
        (r"msg=pipe \| ok", {"msg": "pipe | ok"}),
        # Unescaped Windows paths survive: only \\ \= \n \r \| are escapes.
        (r"filePath=C:\Windows\temp\x.exe", {"filePath": "C:\\Windows\\temp\\x.exe"}),
        (r"cs1=C:\\Temp\\a.ps1", {"cs1": "C:\\Temp\\a.ps1"}),
        (
            "request=https://x.example/?a=1&b=2 src=1.2.3.4",
            {"request": "https://x.example/?a=1&b=2", "src": "1.2.3.4"},
        ),
        ("act= dst=10.0.0.2", {"act": "", "dst": "10.0.0.2"}),
        (
            "sourceAddress=10.0.0.1 deviceCustomString1Label=Rule",
            {"src": "10.0.0.1", "cs1Label": "Rule"},
        ),
        ("src=10.0.0.1 src=10.0.0.9", {"src": "10.0.0.9"}),
        ("  ", {}),
        ("msg=trailing spaces   ", {"msg": "trailing spaces"}),
    ],
)
def test_extension_pairs(text: str, expected: dict[str, str]) -> None:
    assert parse_extension(text) == expected


@pytest.mark.parametrize(
    ("line", "hostname", "time"),
    [
        (
            "<134>Mar 14 10:00:00 fw01 CEF:0|V|P|1|s|n|1|",
            "fw01",
            datetime(2024, 3, 14, 10, 0, tzinfo=UTC),
        ),
        (
            "<134>1 2024-03-14T10:00:00.5Z fw02 cef-app - - - CEF:0|V|P|1|s|n|1|",
            "fw02",
            datetime(2024, 3, 14, 10, 0, 0, 500000, tzinfo=UTC),
        ),
        ("Mar 14 10:00:00 fw03 CEF:0|V|P|1|s|n|1|", "fw03", datetime(2024, 3, 14, 10, tzinfo=UTC)),
    ],
)
def test_syslog_header_in_front(line: str, hostname: str, time: datetime) -> None:
    record = parse_cef(line, RECEIVED)
    assert record.syslog is not None
    assert (record.syslog.hostname, record.syslog.time) == (hostname, time)


def test_pri_alone_in_front_is_no_header() -> None:
    assert parse_cef("<134>CEF:0|V|P|1|s|n|1|", RECEIVED).syslog is None


# --- real-world-shaped lines, end to end ------------------------------------------------

# Shapes follow each vendor's documented CEF output; values are made up.
ARCSIGHT_SPEC = "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232"
PALO_ALTO = (
    "<14>Mar 14 10:00:00 pa-fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2.4|end|TRAFFIC|1|"
    "rt=Mar 14 2024 10:00:00 GMT deviceExternalId=013201001234 src=10.0.0.5 dst=93.184.216.34 "
    r"suser=corp\\alice cs1Label=Rule cs1=allow-web cs4Label=From Zone cs4=trust "
    "cs5Label=To Zone cs5=untrust spt=51514 dpt=443 proto=tcp act=allow in=1200 out=5400"
)
FORTINET = (
    "CEF:0|Fortinet|Fortigate|v7.2.5|00013|traffic:forward deny|3|deviceExternalId=FG100FTK0000 "
    "FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward src=10.1.1.20 spt=60123 "
    "deviceInboundInterface=port1 dst=203.0.113.50 dpt=3389 deviceOutboundInterface=wan1 proto=6 "
    "act=deny FTNTFGTpolicyid=0 dvchost=FGT-HQ rt=1710410400000"
)
CHECK_POINT = (
    "CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|Drop|Unknown|act=Drop "
    "cp_severity=Medium rt=1710410400000 spt=55312 dpt=443 src=192.0.2.10 dst=198.51.100.20 "
    "proto=6 shost=ws-17 origin=192.0.2.1 ifname=eth1 product=VPN-1 & FireWall-1"
)
TREND_IPS = (
    "CEF:0|Trend Micro|Deep Security Agent|20.0.0|1001696|Microsoft Windows SMB Remote Code "
    "Execution Vulnerability|10|cn1=12 cn1Label=Host ID dvchost=web-01 TrendMicroDsTenant=Primary "
    "dmac=00:50:56:AA:BB:CC smac=00:50:56:11:22:33 src=203.0.113.66 dst=10.0.0.12 in=1052 "
    "cs3=DF 0 cs3Label=Fragmentation Bits proto=TCP spt=44123 dpt=445 cs2=0x00 ACK PSH "
    "cs2Label=TCP Flags cnt=1 act=Reset"
)
WINDOWS_LOGON = (
    "CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|"
    "An account failed to log on.|Low|rt=Mar 14 2024 09:59:00 UTC cat=Logon dvchost=dc01.corp.example "
    r"duser=alice dntdom=CORP src=10.0.0.7 shost=laptop-7 outcome=failure reason=Unknown user name or bad password."
)
CYBERARK = (
    "CEF:0|Cyber-Ark|Vault|12.1.0000|22|CPM Verify Password|5|act=CPM Verify Password "
    "suser=PasswordManager fname=Root\\Operating System-WinDomain-admin01 dvc=10.0.0.30 "
    "shost=10.0.0.20 duser=admin01 msg=Verified"
)
ZSCALER_WEB = (
    "CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed app=HTTPS dhost=www.example.com "
    "dst=93.184.216.34 src=10.0.0.5 requestMethod=GET "
    "request=https://www.example.com/login?next=/home "
    "requestClientApplication=Mozilla/5.0 (Windows NT 10.0; Win64; x64) suser=alice@example.com "
    "rt=Mar 14 2024 09:00:00"
)
AV_FILE = (
    "CEF:0|Trend Micro|Deep Security Agent|20.0.0|4000000|Eicar_test_file|6|cn1=1 "
    r"cn1Label=Host ID dvchost=ws-9 filePath=C:\\Users\\bob\\eicar.com act=Delete "
    "fileHash=3395856CE81F2B7382DEE72602F798B642F14140 msg=Realtime"
)

CASES: list[tuple[str, str, int, int, Links, dict[str, Any]]] = [
    (
        "arcsight spec example",
        ARCSIGHT_SPEC,
        4001,
        5,
        {("HAS_SOURCE", "IP:10.0.0.1"), ("HAS_DESTINATION", "IP:2.1.2.2")},
        {"product": "threatmanager", "vendor": "Security", "event_code": "100", "src_port": 1232},
    ),
    (
        "palo alto traffic behind syslog",
        PALO_ALTO,
        4001,
        2,
        {
            ("HAS_SOURCE", "IP:10.0.0.5"),
            ("HAS_DESTINATION", "IP:93.184.216.34"),
            ("HAS_PRINCIPAL", "User:corp\\alice"),
            ("ON_DEVICE", "Host:pa-fw01"),
        },
        {
            "action": "allow",
            "cs1": "allow-web",
            "cs1_label": "Rule",
            "cs4_label": "From Zone",
            "bytes_in": 1200,
        },
    ),
    (
        "fortinet forward deny",
        FORTINET,
        4001,
        2,
        {
            ("HAS_SOURCE", "IP:10.1.1.20"),
            ("HAS_DESTINATION", "IP:203.0.113.50"),
            ("ON_DEVICE", "Host:fgt-hq"),
        },
        {"action": "deny", "category": "traffic:forward", "dst_port": 3389, "protocol": "6"},
    ),
    (
        "check point drop",
        CHECK_POINT,
        4001,
        0,
        {
            ("HAS_SOURCE", "IP:192.0.2.10"),
            ("HAS_SOURCE", "Host:ws-17"),
            ("HAS_DESTINATION", "IP:198.51.100.20"),
        },
        {"action": "Drop", "product": "VPN-1 & FireWall-1", "vendor": "Check Point"},
    ),
    (
        "trend micro ips",
        TREND_IPS,
        4001,
        5,
        {
            ("HAS_SOURCE", "IP:203.0.113.66"),
            ("HAS_DESTINATION", "IP:10.0.0.12"),
            ("ON_DEVICE", "Host:web-01"),
        },
        {"cs2": "0x00 ACK PSH", "cs3": "DF 0", "cn1": "12", "cn1_label": "Host ID"},
    ),
    (
        "windows failed logon",
        WINDOWS_LOGON,
        3002,
        2,
        {
            ("HAS_USER", "User:corp\\alice"),
            ("HAS_SOURCE", "IP:10.0.0.7"),
            ("HAS_SOURCE", "Host:laptop-7"),
            ("ON_DEVICE", "Host:dc01.corp.example"),
        },
        {"status": "Failure", "status_id": 2, "activity_id": 1, "type_uid": 300201},
    ),
    (
        "cyberark password verify",
        CYBERARK,
        3002,
        3,
        {
            ("HAS_USER", "User@IP:10.0.0.30/admin01"),
            ("HAS_PRINCIPAL", "User@IP:10.0.0.30/PasswordManager"),
            ("HAS_SOURCE", "IP:10.0.0.20"),  # shost held an address
            ("ON_DEVICE", "IP:10.0.0.30"),
            ("HAS_FILE", "File@IP:10.0.0.30/Root\\Operating System-WinDomain-admin01"),
        },
        {"message": "Verified", "event_name": "CPM Verify Password"},
    ),
    (
        "zscaler web proxy",
        ZSCALER_WEB,
        4002,
        2,
        {
            ("HAS_SOURCE", "IP:10.0.0.5"),
            ("HAS_DESTINATION", "IP:93.184.216.34"),
            ("HAS_DESTINATION", "Host:www.example.com"),
            ("HAS_PRINCIPAL", "User:alice@example.com"),
            ("HAS_EMAIL_ADDR", "Email:alice@example.com"),  # the user name is an address
            ("HAS_URL", "Url:https://www.example.com/login?next=/home"),
            ("HAS_DOMAIN", "Domain:www.example.com"),
        },
        {"http_method": "GET", "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
    ),
    (
        "anti-malware file detection",
        AV_FILE,
        0,
        3,
        {
            ("ON_DEVICE", "Host:ws-9"),
            ("HAS_FILE", "File:sha1:3395856ce81f2b7382dee72602f798b642f14140"),
        },
        {"action": "Delete", "message": "Realtime"},
    ),
]


@pytest.mark.parametrize(
    ("line", "class_uid", "severity_id", "expected_links", "props"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_vendor_lines(
    line: str, class_uid: int, severity_id: int, expected_links: Links, props: dict[str, Any]
) -> None:
    event = to_graph_event("c1", "cef", line, RECEIVED)
    assert event.props["class_uid"] == class_uid
    assert event.props["severity_id"] == severity_id
    assert event.props["source_format"] == "cef"
    assert links(event) == expected_links
    assert {name: event.props.get(name) for name in props} == props
    assert event.raw == '"' + line.replace("\\", "\\\\") + '"'


@pytest.mark.parametrize(
    ("line", "time"),
    [
        (PALO_ALTO, datetime(2024, 3, 14, 10, 0, tzinfo=UTC)),
        (FORTINET, datetime(2024, 3, 14, 10, 0, tzinfo=UTC)),
        (WINDOWS_LOGON, datetime(2024, 3, 14, 9, 59, tzinfo=UTC)),
        (
            "CEF:0|V|P|1|s|n|1|rt=Mar 14 2024 10:00:00.250 +0100",
            datetime(2024, 3, 14, 9, 0, 0, 250000, tzinfo=UTC),
        ),
        ("CEF:0|V|P|1|s|n|1|rt=Mar 14 2024 05:00:00 EST", datetime(2024, 3, 14, 10, 0, tzinfo=UTC)),
        ("CEF:0|V|P|1|s|n|1|rt=Dec 31 23:00:00", datetime(2023, 12, 31, 23, 0, tzinfo=UTC)),
        ("CEF:0|V|P|1|s|n|1|start=2024-03-14T08:00:00Z", datetime(2024, 3, 14, 8, 0, tzinfo=UTC)),
        ("CEF:0|V|P|1|s|n|1|", RECEIVED),
    ],
)
def test_event_time_forms(line: str, time: datetime) -> None:
    assert to_graph_event("t", "cef", line, RECEIVED).time == time


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("0", 1), ("3", 2), ("4", 3), ("6", 3), ("7", 4), ("8", 4), ("9", 5), ("10", 5),
     ("Unknown", 0), ("low", 2), ("Medium", 3), ("High", 4), ("Very-High", 5),
     ("Critical", 5), ("very high", 5)],
)  # fmt: skip
def test_severity_bands(severity: str, expected: int) -> None:
    event = to_graph_event("s", "cef", f"CEF:0|V|P|1|s|n|{severity}|", RECEIVED)
    assert event.props["severity_id"] == expected


@pytest.mark.parametrize(
    ("name", "cat", "class_uid", "activity_id"),
    [
        ("User Logon", "", 3002, 1),
        ("Successful sign-in", "", 3002, 1),
        ("User logged off", "", 3002, 2),
        ("An account was logged on", "", 3002, 1),
        ("Logoff", "", 3002, 2),
        ("Session", "/Authentication/Verify/Success", 3002, 1),
        ("Unauthorized access", "", 4001, None),
        ("Application log on disk full", "", 4001, None),
        ("Traffic", "", 4001, None),
    ],
)
def test_class_rules(name: str, cat: str, class_uid: int, activity_id: int | None) -> None:
    line = f"CEF:0|V|P|1|s|{name}|1|src=10.0.0.1 cat={cat}"
    event = to_graph_event("r", "cef", line, RECEIVED)
    assert event.props["class_uid"] == class_uid
    assert event.props.get("activity_id") == (activity_id if class_uid == 3002 else None)


def test_suser_is_the_logon_account_when_duser_is_absent() -> None:
    event = to_graph_event("u", "cef", "CEF:0|V|P|1|s|Login failed|5|suser=bob", RECEIVED)
    assert links(event) == {("HAS_USER", "User@Event:u/bob")}


def test_labels_cannot_name_event_properties() -> None:
    line = "CEF:0|V|P|1|s|n|1|cs1Label=class_uid cs1=999 cs2Label=id cs2=other"
    event = to_graph_event("l", "cef", line, RECEIVED)
    assert event.props["class_uid"] == 0
    assert (event.props["cs1"], event.props["cs1_label"]) == ("999", "class_uid")


@pytest.mark.parametrize(
    ("severity", "reason"),
    [
        ("", "CEF Severity is empty"),
        ("11", "CEF Severity '11' is not 0-10"),
        ("Substantial", "CEF Severity 'Substantial' is not 0-10"),
        ("\\10", "CEF Severity '\\10' is not 0-10"),
        ("-1", "CEF Severity '-1' is not 0-10"),
    ],
)
def test_a_severity_outside_the_spec_is_dropped_and_the_line_kept(
    severity: str, reason: str
) -> None:
    line = f"CEF:0|Acme|Gate|2.1|77|Blocked|{severity}|src=203.0.113.5 dst=198.51.100.7"
    event = to_graph_event("sev", "cef", line, RECEIVED)
    assert "severity_id" not in event.props
    assert [d.path for d in event.dropped] == ["Severity"]
    assert event.dropped[0].reason.startswith(reason)
    assert ("HAS_SOURCE", "IP:203.0.113.5") in links(event)


@pytest.mark.parametrize("start", ["CEF: 0|", "<13>Mar 14 10:00:00 fw1 CEF: 1|"])
def test_a_space_after_the_cef_colon_is_read(start: str) -> None:
    event = to_graph_event(
        "sp", "cef", f"{start}Acme|Gate|2.1|77|Blocked|3|src=203.0.113.5", RECEIVED
    )
    assert event.props["severity_id"] == 2
    assert event.dropped == ()
    assert ("HAS_SOURCE", "IP:203.0.113.5") in links(event)


# --- malformed lines --------------------------------------------------------------------

MALFORMED = [
    ("", "no CEF header"),
    ("just some text", "no CEF header"),
    ("CEF:0|only|three|fields", "header ends before"),
    ("CEF:2|V|P|1|s|n|1|", "version 2"),
    ("CEF:0|V|P|1|s|n|5\\", "lone backslash"),
    ("CEF:0|V|P|1|s|n|5|not pairs at all", "not key=value"),
    ("CEF:0|V|P|1|s|n|5|junk src=10.0.0.1", "starts with text"),
    ("CEF:0|V|P|1|s|n|5|src=999.1.1.1", "src: '999.1.1.1' is not a valid IP"),
    ("CEF:0|V|P|1|s|n|5|dvc=host-name", "dvc: 'host-name' is not a valid IP"),
    ("CEF:0|V|P|1|s|n|5|dpt=70000", "dpt: '70000' is not a port"),
    ("CEF:0|V|P|1|s|n|5|rt=yesterday", "rt: 'yesterday'"),
    ("CEF:0|V|P|1|s|n|5|rt=Feb 30 2024 10:00:00", "not a valid date"),
    ("CEF:0|V|P|1|s|n|5|rt=Mar 14 2024 10:00:00 Mars/Olympus", "unknown time zone"),
]


@pytest.mark.parametrize(("line", "message"), MALFORMED)
def test_malformed_lines_are_refused_with_a_reason(line: str, message: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        to_graph_event("m", "cef", line, RECEIVED)
    assert caught.value.loc == ("event",)
    assert message in caught.value.msg


def test_a_json_object_is_not_a_cef_line() -> None:
    with pytest.raises(InvalidEvent) as caught:
        to_graph_event("m", "cef", {"class_uid": 1}, RECEIVED)
    assert caught.value.loc == ("event",)


# --- fuzz -------------------------------------------------------------------------------

_CEF_ALPHABET = st.sampled_from([*"|\\= abc019:.<>-\n\rCEF", "src", "rt", "dpt", "cs1"])
_CEF_LIKE = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["", "<134>", "<13>Mar 14 10:00:00 h ", "<13>1 - h a - - - ", "x "]),
        st.sampled_from(["CEF:0|", "CEF:1|", "CEF:", ""]),
        st.lists(_CEF_ALPHABET, max_size=60).map("".join),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), _CEF_LIKE))
def test_any_text_is_an_event_or_invalid(text: str) -> None:
    outcome: GraphEvent | InvalidEvent
    try:
        outcome = to_graph_event("f", "cef", text, RECEIVED)
    except InvalidEvent as exc:  # any other exception fails the test
        outcome = exc
    if isinstance(outcome, InvalidEvent):
        assert outcome.loc == ("event",)
        assert outcome.msg


def test_nat_addresses_ipv6_fields_and_labelled_custom_strings_are_linked() -> None:
    line = (
        "CEF:0|Acme|Gate|2.1|77|Allowed|3|src=10.1.2.3 dst=198.51.100.7 "
        "sourceTranslatedAddress=203.0.113.50 dt=192.0.2.80 "
        "c6a2=2001:db8::5 c6a2Label=Source IPv6 Address "
        "cs1Label=Target User cs1=kmoss cs2Label=Workstation cs2=PC-0042 "
        "cs3Label=Peer IP cs3=203.0.113.99 cs4Label=Rule cs4=allow-web "
        "cs5Label=Client MAC Address cs5=00:11:22:33:44:55 cs6Label=Sender Email cs6=a@example.org "
        "dvchost=fw2"
    )
    event = to_graph_event("nat", "cef", line, RECEIVED)
    assert links(event) == {
        ("HAS_SOURCE", "IP:10.1.2.3"),
        ("HAS_DESTINATION", "IP:198.51.100.7"),
        ("ON_DEVICE", "Host:fw2"),
        ("HAS_OBSERVABLE", "IP:203.0.113.50"),
        ("HAS_OBSERVABLE", "IP:192.0.2.80"),
        ("HAS_OBSERVABLE", "IP:2001:db8::5"),
        ("HAS_OBSERVABLE", "IP:203.0.113.99"),
        # A bare account name is local to the device that reported it; "Target" names
        # the side, and the line has no duser, so it is the account acted on.
        ("HAS_USER", "User@Host:fw2/kmoss"),
        ("HAS_OBSERVABLE", "Host:pc-0042"),
        ("HAS_OBSERVABLE", "Email:a@example.org"),
    }
    assert event.dropped == ()


@pytest.mark.parametrize("key", ["c6a1", "sourceTranslatedAddress", "cs2"])
def test_an_unusable_optional_address_is_dropped_and_the_line_kept(key: str) -> None:
    label = f" {key}Label=Source Address" if key.startswith("c") else ""
    line = f"CEF:0|V|P|1|s|n|3|src=10.0.0.1 {key}=not-an-ip{label}"
    event = to_graph_event("bad", "cef", line, RECEIVED)
    assert [d.path for d in event.dropped] == [key]
    assert links(event) == {("HAS_SOURCE", "IP:10.0.0.1")}


def test_a_custom_string_without_a_telling_label_is_no_entity() -> None:
    line = "CEF:0|V|P|1|s|n|3|cs1=10.9.9.9 cs2Label=Policy cs2=bob"
    event = to_graph_event("plain", "cef", line, RECEIVED)
    assert links(event) == set()
    assert (event.props["cs1"], event.props["cs2"]) == ("10.9.9.9", "bob")
