"""Syslog: RFC 5424 and RFC 3164 parsing, year inference, and the OCSF translation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.errors import InvalidEvent
from shared.mapping.bsd_time import infer_year
from shared.mapping.formats.syslog import parse_syslog
from shared.mapping.formats.syslog_sd import SdElement
from shared.mapping.graph_model import GraphEvent
from shared.mapping.timeparse import TimeParseError
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

Links = set[tuple[str, str]]


def links(event: GraphEvent) -> Links:
    return {(link.rel, link.entity.key) for link in event.links}


# --- RFC 5424 ---------------------------------------------------------------------------


def test_rfc5424_all_fields() -> None:
    line = (
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 8710 ID47 "
        '[exampleSDID@32473 iut="3" eventSource="Application"][meta note="a \\"quoted\\" \\] \\\\ \\x"]'
        " \ufeffAn application event log entry"
    )
    message = parse_syslog(line, RECEIVED)
    assert (message.protocol, message.facility, message.severity) == ("rfc5424", 20, 5)
    assert message.time == datetime(2003, 10, 11, 22, 14, 15, 3000, tzinfo=UTC)
    assert (message.hostname, message.app_name, message.procid, message.msgid) == (
        "mymachine.example.com",
        "evntslog",
        "8710",
        "ID47",
    )
    assert message.structured_data == (
        SdElement("exampleSDID@32473", (("iut", "3"), ("eventSource", "Application"))),
        SdElement("meta", (("note", 'a "quoted" ] \\ \\x'),)),
    )
    assert message.msg == "An application event log entry"


def test_rfc5424_nil_values_and_no_msg() -> None:
    message = parse_syslog("<0>1 - - - - - -", RECEIVED)
    assert message.time is None
    assert (message.hostname, message.app_name, message.procid, message.msgid) == (None,) * 4
    assert (message.structured_data, message.msg) == ((), "")


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-03-14T10:00:00Z", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        ("2024-03-14T10:00:00.123456789+02:00", datetime(2024, 3, 14, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2024-03-14t10:00:00-05:30", datetime(2024, 3, 14, 15, 30, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_rfc5424_timestamps(stamp: str, expected: datetime) -> None:
    assert parse_syslog(f"<13>1 {stamp} h a - - - m", RECEIVED).time == expected


# --- RFC 3164 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "host", "app", "procid", "msg"),
    [
        ("<38>Mar 14 10:00:00 web-1 sshd[42]: hello", "web-1", "sshd", "42", "hello"),
        (
            "<38>Mar  4 10:00:00 web-1 CRON[7]: (root) CMD (x)",
            "web-1",
            "CRON",
            "7",
            "(root) CMD (x)",
        ),
        ("<4>Mar 14 10:00:00 fw01 kernel: [1.5] IN=eth0", "fw01", "kernel", None, "[1.5] IN=eth0"),
        ("<13>Mar 14 10:00:00 sshd[9]: no hostname", None, "sshd", "9", "no hostname"),
        ("Mar 14 10:00:00 host postfix/smtpd[1]: x", "host", "postfix/smtpd", "1", "x"),
        ("<13>Mar 14 10:00:00 host just text", "host", None, None, "just text"),
        ("<13>Mar 14 10:00:00 2001:db8::1 app: v6", "2001:db8::1", "app", None, "v6"),
        (
            "<166>Mar 14 2024 10:00:00 asa01 : %ASA-6-302013: Built outbound",
            "asa01",
            None,
            None,
            "%ASA-6-302013: Built outbound",
        ),
        (
            "<166>Mar 14 2024 10:00:00: %ASA-6-302014: Teardown TCP",
            None,
            "%ASA-6-302014",
            None,
            "Teardown TCP",
        ),
        ("<13>2024-03-14T10:00:00.5+00:00 host app[1]: rsyslog", "host", "app", "1", "rsyslog"),
    ],
)
def test_rfc3164_shapes(
    line: str, host: str | None, app: str | None, procid: str | None, msg: str
) -> None:
    message = parse_syslog(line, RECEIVED)
    assert message.protocol == "rfc3164"
    assert (message.hostname, message.app_name, message.procid, message.msg) == (
        host,
        app,
        procid,
        msg,
    )


def test_rfc3164_without_pri_is_user_notice() -> None:
    message = parse_syslog("Mar 14 10:00:00 host app: x", RECEIVED)
    assert (message.facility, message.severity) == (1, 5)


@pytest.mark.parametrize(
    ("stamp", "received", "expected"),
    [
        # December line received on 1 January: the previous year.
        ("Dec 31 23:59:59", datetime(2024, 1, 1, 0, 0, 5, tzinfo=UTC), datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)),
        # A sender slightly ahead across New Year: the next year.
        ("Jan  1 00:00:05", datetime(2023, 12, 31, 23, 59, tzinfo=UTC), datetime(2024, 1, 1, 0, 0, 5, tzinfo=UTC)),
        # Months in the future are last year's (delayed logs, not logs from the future).
        ("Jun 10 08:00:00", datetime(2024, 1, 15, tzinfo=UTC), datetime(2023, 6, 10, 8, tzinfo=UTC)),
        ("Mar 14 10:00:00", RECEIVED, datetime(2024, 3, 14, 10, tzinfo=UTC)),
        # Feb 29 goes back to the last leap year.
        ("Feb 29 10:00:00", datetime(2025, 3, 1, tzinfo=UTC), datetime(2024, 2, 29, 10, tzinfo=UTC)),
        # An explicit year wins.
        ("Mar 14 2019 10:00:00", RECEIVED, datetime(2019, 3, 14, 10, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_rfc3164_year_inference(stamp: str, received: datetime, expected: datetime) -> None:
    assert parse_syslog(f"<13>{stamp} host app: x", received).time == expected


def test_infer_year_refuses_feb_29_far_from_a_leap_year() -> None:
    with pytest.raises(TimeParseError):
        infer_year(2, 29, 0, 0, 0, 0, datetime(2027, 3, 1, tzinfo=UTC))


# --- translation, real-world-shaped lines -----------------------------------------------

SSHD_FAILED = "<38>Mar 14 09:59:58 web-1 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 52814 ssh2"
SSHD_ACCEPTED_5424 = (
    '<86>1 2024-03-14T10:00:00.123456+01:00 web-1 sshd 4243 - [origin ip="10.0.0.1"] '
    "\ufeffAccepted publickey for alice from 10.0.0.5 port 50000 ssh2: RSA SHA256:abc"
)
SSHD_USEDNS = "<38>Mar 14 10:00:00 web-1 sshd[77]: Accepted password for bob from jump.corp.example port 2200 ssh2"
SUDO = "<85>Mar 14 10:00:00 web-1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"
SUDO_DENIED = "<85>Mar 14 10:00:00 web-1 sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh -c id ; whoami"
IPTABLES = (
    "<4>Mar 14 10:00:00 fw01 kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= "
    "MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=198.51.100.7 DST=10.0.0.5 LEN=60 "
    "TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0"
)
IPTABLES_ACCEPT = (
    "<4>Mar 14 10:00:00 gw kernel: FW-ACCEPT: IN=eth1 OUT=eth0 SRC=2001:db8::5 DST=2001:db8:1::53 "
    "LEN=80 PROTO=UDP SPT=5353 DPT=53 LEN=40"
)
ASA = "<166>Mar 14 2024 10:00:00 asa01 : %ASA-6-302013: Built outbound TCP connection 123 for outside:93.184.216.34/443"
SU_5424 = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8"

CASES: list[tuple[str, str, int, int, Links, dict[str, Any]]] = [
    (
        "sshd failed invalid user",
        SSHD_FAILED,
        3002,
        1,
        {
            ("ON_DEVICE", "Host:web-1"),
            ("HAS_ACTOR_PROCESS", "Process@Host:web-1/4242/sshd"),
            ("HAS_USER", "User@Host:web-1/admin"),
            ("HAS_SOURCE", "IP:203.0.113.9"),
        },
        {"status": "Failure", "status_id": 2, "status_detail": "Invalid user", "src_port": 52814, "auth_method": "password"},
    ),
    (
        "sshd accepted rfc5424",
        SSHD_ACCEPTED_5424,
        3002,
        1,
        {
            ("ON_DEVICE", "Host:web-1"),
            ("HAS_ACTOR_PROCESS", "Process@Host:web-1/4243/sshd"),
            ("HAS_USER", "User@Host:web-1/alice"),
            ("HAS_SOURCE", "IP:10.0.0.5"),
        },
        {"status": "Success", "auth_method": "publickey", "syslog_format": "rfc5424", "facility": 10},
    ),
    (
        "sshd with a hostname source",
        SSHD_USEDNS,
        3002,
        1,
        {
            ("ON_DEVICE", "Host:web-1"),
            ("HAS_ACTOR_PROCESS", "Process@Host:web-1/77/sshd"),
            ("HAS_USER", "User@Host:web-1/bob"),
            ("HAS_SOURCE", "Host:jump.corp.example"),
        },
        {"status": "Success", "src_port": 2200},
    ),
    (
        "sudo",
        SUDO,
        1007,
        2,
        {
            ("ON_DEVICE", "Host:web-1"),
            ("HAS_PRINCIPAL", "User@Host:web-1/alice"),
            ("HAS_USER", "User@Host:web-1/root"),
        },
        {"status": "Success", "cmd_line": "/usr/bin/systemctl restart nginx", "tty": "pts/0", "cwd": "/home/alice"},
    ),
    (
        "sudo denied",
        SUDO_DENIED,
        1007,
        2,
        {("ON_DEVICE", "Host:web-1"), ("HAS_PRINCIPAL", "User@Host:web-1/bob"), ("HAS_USER", "User@Host:web-1/root")},
        {"status": "Failure", "status_detail": "user NOT in sudoers", "cmd_line": "/bin/sh -c id ; whoami"},
    ),
    (
        "iptables ufw block",
        IPTABLES,
        4001,
        3,
        {
            ("ON_DEVICE", "Host:fw01"),
            ("HAS_SOURCE", "IP:198.51.100.7"),
            ("HAS_DESTINATION", "IP:10.0.0.5"),
        },
        {"action": "Denied", "protocol": "tcp", "src_port": 51234, "dst_port": 22, "log_prefix": "[UFW BLOCK]", "in_interface": "eth0"},
    ),
    (
        "iptables ipv6 accept",
        IPTABLES_ACCEPT,
        4001,
        3,
        {
            ("ON_DEVICE", "Host:gw"),
            ("HAS_SOURCE", "IP:2001:db8::5"),
            ("HAS_DESTINATION", "IP:2001:db8:1::53"),
        },
        {"action": "Allowed", "protocol": "udp", "dst_port": 53, "out_interface": "eth0"},
    ),
    (
        "cisco asa stays a base event",
        ASA,
        0,
        1,
        {("ON_DEVICE", "Host:asa01"), ("HAS_OBSERVABLE", "IP:93.184.216.34")},
        {"message": "%ASA-6-302013: Built outbound TCP connection 123 for outside:93.184.216.34/443"},
    ),
    (
        "rfc 5424 su example",
        SU_5424,
        3002,
        5,
        {
            ("ON_DEVICE", "Host:mymachine.example.com"),
            ("HAS_USER", "User@Host:mymachine.example.com/root"),
            ("HAS_PRINCIPAL", "User@Host:mymachine.example.com/lonvick"),
        },
        {"msgid": "ID47", "app_name": "su", "status": "Failure", "tty": "/dev/pts/8"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "severity_id", "expected_links", "props"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_real_world_lines(
    line: str, class_uid: int, severity_id: int, expected_links: Links, props: dict[str, Any]
) -> None:
    event = to_graph_event("s1", "syslog", line, RECEIVED)
    assert event.props["class_uid"] == class_uid
    assert event.props["severity_id"] == severity_id
    assert event.props["source_format"] == "syslog"
    assert links(event) == expected_links
    assert {name: event.props.get(name) for name in props} == props


@pytest.mark.parametrize(("severity", "expected"), list(enumerate((6, 5, 5, 4, 3, 2, 1, 1))))
def test_syslog_severity_to_ocsf(severity: int, expected: int) -> None:
    event = to_graph_event("s", "syslog", f"<{8 + severity}>1 - h a - - -", RECEIVED)
    assert event.props["severity_id"] == expected


def test_nil_timestamp_uses_received_at() -> None:
    assert to_graph_event("s", "syslog", "<13>1 - h a - - - x", RECEIVED).time == RECEIVED


def test_sshd_garbage_address_is_no_entity() -> None:
    line = "<38>Mar 14 10:00:00 h sshd[1]: Accepted password for alice from ??? port x"
    event = to_graph_event("s", "syslog", line, RECEIVED)
    assert event.props["class_uid"] == 3002
    assert links(event) == {
        ("ON_DEVICE", "Host:h"),
        ("HAS_ACTOR_PROCESS", "Process@Host:h/1/sshd"),
        ("HAS_USER", "User@Host:h/alice"),
    }


def test_unknown_program_stays_a_base_event() -> None:
    line = "<38>Mar 14 10:00:00 h cron[1]: Accepted password for alice from 10.0.0.1 port 22"
    assert to_graph_event("s", "syslog", line, RECEIVED).props["class_uid"] == 0


# --- lines that fit neither grammar are kept; only non-text is refused ---------------

FREE_FORM = [
    ("hello world", "neither RFC 5424"),
    ("<13>hello", "neither RFC 5424"),
    ("<192>1 - - - - - -", "PRI 192 is out of range"),
    ("<1a>Mar 14 10:00:00 h a: x", "PRI must be"),
    ("<13>2 - - - - - -", "VERSION 2 is not supported"),
    ("<13>1 - - - - -", "RFC 5424 needs TIMESTAMP"),
    ("<13>1 2024-13-01T00:00:00Z h a - - -", "not a valid date"),
    ("<13>1 2024-03-14 10:00:00 h a - - -", "is not RFC 3339"),
    ("<13>1 - h\u00e9 a - - -", "HOSTNAME must be"),
    ("<13>1 - h " + "a" * 49 + " - - -", "APP-NAME must be"),
    ("<13>1 - h a - - x", "STRUCTURED-DATA must be"),
    ("<13>1 - h a - - [id a=b]", 'expected name="value"'),
    ('<13>1 - h a - - [id a="unterminated]', 'expected name="value"'),
    ("<13>1 - h a - - [] x", "SD-ID"),
    ('<13>1 - h a - - [id a="1"]x', "expects a space"),
    ("<13>Feb 30 10:00:00 h a: x", "not a valid date"),
    ("<13>Mar 14 25:00:00 h a: x", "not a valid time"),
    ("<13>Foo 14 10:00:00 h a: x", "not a month"),
    ("<13>Mar 14 10:00:00x h a: x", "followed by a space"),
]


@pytest.mark.parametrize(("line", "why"), FREE_FORM)
def test_lines_fitting_neither_grammar_are_free_form(line: str, why: str) -> None:
    event = to_graph_event("m", "syslog", line, RECEIVED)
    assert event.props["syslog_format"] == "free-form"
    assert why in str(event.props["syslog_unparsed_because"])
    assert event.time == RECEIVED
    assert event.raw == json.dumps(line, ensure_ascii=False)


REFUSED = [
    ("", "is empty"),
    ("\n", "is empty"),
    ("  \r\n", "is empty"),
    ("<13>1 - h a - - - a\x00b", "NUL"),
    ("\x01\x02\x03\x04 abc", "control code"),
    ("<13>1 - h a - - - \udfff", "surrogate"),
    ("x" * 65_537, "65537 characters"),
]


@pytest.mark.parametrize(("line", "message"), REFUSED)
def test_only_non_text_is_refused_with_a_reason(line: str, message: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        to_graph_event("m", "syslog", line, RECEIVED)
    assert caught.value.loc == ("event",)
    assert message in caught.value.msg


# --- fuzz -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [*' -[]="\\<>:1', "Mar", "14", "10:00:00", "2024-03-14T10:00:00Z", "sshd[1]:", 'a="b"']
)
_SYSLOG_LIKE = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(
            ["", "<13>", "<191>", "<13>1 ", "<13>1 - h a - - ", "<13>Mar 14 10:00:00 "]
        ),
        st.lists(_PIECES, max_size=40).map("".join),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), _SYSLOG_LIKE))
def test_any_text_is_an_event_or_invalid(text: str) -> None:
    outcome: GraphEvent | InvalidEvent
    try:
        outcome = to_graph_event("f", "syslog", text, RECEIVED)
    except InvalidEvent as exc:  # any other exception fails the test
        outcome = exc
    if isinstance(outcome, InvalidEvent):
        assert outcome.loc == ("event",)
        assert outcome.msg
