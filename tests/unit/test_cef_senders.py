"""CEF as real senders write it: dtz, agent keys with dots and brackets, quoted values,
processes, placeholder and address host names, and errors that name the culprit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.errors import InvalidEvent
from shared.mapping.formats.cef import parse_cef, parse_extension
from shared.mapping.formats.cef_ocsf import cef_to_ocsf
from shared.mapping.graph_model import GraphEvent
from shared.mapping.placeholders import is_placeholder
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

# From a Logstash CEF codec test: agent keys with dots, brackets and a comma.
AD_KEYS = (
    "CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|src=10.0.0.192 "
    "additional.dotfieldName=new_value ad.Authentification=MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 "
    "ad.Error_,Code=3221225578 dst=12.121.122.82 ad.field[0]=field0 ad.name[1]=new_name"
)
DTZ = (
    "CEF:0|Kaspersky|KSC|13.2|GNRL_EV_VIRUS_FOUND|Virus found|8|rt=Mar 14 2024 13:00:00 "
    "dtz=Europe/Moscow src=10.0.0.7 dhost=ws-7 duser=CORP\\\\bob ad.field[0]=quarantined"
)


def links(event: GraphEvent) -> set[tuple[str, str]]:
    return {(link.rel, link.entity.key) for link in event.links}


def test_keys_with_dots_brackets_and_commas() -> None:
    ext = parse_cef(AD_KEYS, RECEIVED).extensions
    assert ext["dst"] == "12.121.122.82"
    assert ext["ad.field[0]"] == "field0"
    assert ext["ad.name[1]"] == "new_name"
    assert ext["ad.Error_,Code"] == "3221225578"
    assert ext["additional.dotfieldName"] == "new_value"
    event = to_graph_event("a", "cef", AD_KEYS, RECEIVED)
    assert links(event) == {
        ("HAS_SOURCE", "IP:10.0.0.192"),
        ("HAS_DESTINATION", "IP:12.121.122.82"),
    }


@pytest.mark.parametrize(
    ("extension", "time"),
    [
        ("rt=Mar 14 2024 13:00:00 dtz=Europe/Moscow", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        # An IANA zone follows daylight saving: Berlin is +2 in July, +1 in March.
        ("rt=Jul 14 2024 12:00:00 dtz=Europe/Berlin", datetime(2024, 7, 14, 10, tzinfo=UTC)),
        ("rt=Mar 14 2024 12:00:00 dtz=Europe/Berlin", datetime(2024, 3, 14, 11, tzinfo=UTC)),
        ("rt=Mar 14 2024 13:00:00 dtz=+0300", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        ("rt=Mar 14 2024 13:00:00 dtz=GMT+03:00", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        ("rt=Mar 14 13:00:00 dtz=Europe/Moscow", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        ("rt=2024-03-14T13:00:00 dtz=Europe/Moscow", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        # A time that names its own zone, or an epoch, is absolute: dtz does not move it.
        ("rt=Mar 14 2024 13:00:00 UTC dtz=Europe/Moscow", datetime(2024, 3, 14, 13, tzinfo=UTC)),
        ("rt=Mar 14 2024 13:00:00 Asia/Tokyo", datetime(2024, 3, 14, 4, tzinfo=UTC)),
        ("rt=1710421200000 dtz=Europe/Moscow", datetime(2024, 3, 14, 13, tzinfo=UTC)),
        (
            "deviceTimeZone=Europe/Moscow rt=Mar 14 2024 13:00:00",
            datetime(2024, 3, 14, 10, tzinfo=UTC),
        ),
    ],
)
def test_dtz_is_applied(extension: str, time: datetime) -> None:
    assert to_graph_event("t", "cef", f"CEF:0|V|P|1|s|n|1|{extension}", RECEIVED).time == time


@pytest.mark.parametrize(
    ("header", "time"),
    [
        ("<14>Mar 14 13:00:00 kav01 ", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        # A header that names its offset is absolute.
        ("<14>1 2024-03-14T13:00:00+00:00 kav01 ksc - - - ", datetime(2024, 3, 14, 13, tzinfo=UTC)),
    ],
)
def test_dtz_applies_to_a_wall_clock_syslog_header(header: str, time: datetime) -> None:
    line = f"{header}CEF:0|V|P|1|s|n|1|dtz=Europe/Moscow src=10.0.0.1"
    assert to_graph_event("h", "cef", line, RECEIVED).time == time


def test_dtz_line_end_to_end() -> None:
    event = to_graph_event("d", "cef", DTZ, RECEIVED)
    assert event.time == datetime(2024, 3, 14, 10, tzinfo=UTC)
    assert links(event) == {
        ("HAS_SOURCE", "IP:10.0.0.7"),
        ("HAS_DESTINATION", "Host:ws-7"),
        ("HAS_USER", "User:corp\\bob"),
    }


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ('request="https://example.com/a?b=1"', "https://example.com/a?b=1"),
        ("request='https://example.com/'", "https://example.com/"),
        ('msg="a "quoted" word"', '"a "quoted" word"'),  # inner quotes: the quotes are content
        ('msg="', '"'),
    ],
)
def test_surrounding_quotes_are_stripped(extension: str, expected: str) -> None:
    assert next(iter(parse_extension(extension).values())) == expected


def test_quoted_request_gives_a_clean_url() -> None:
    line = 'CEF:0|Z|Proxy|1|s|Web request|3|request="https://www.example.com/x" src=10.0.0.5'
    event = to_graph_event("q", "cef", line, RECEIVED)
    assert ("HAS_URL", "Url:https://www.example.com/x") in links(event)


def test_processes_from_sproc_dproc_spid_dpid() -> None:
    line = (
        "CEF:0|Microsoft|Sysmon|15|1|Process Create|5|dvchost=WS-1 "
        "sproc=C:\\Windows\\explorer.exe spid=1000 dproc=C:\\Windows\\System32\\cmd.exe dpid=4242"
    )
    draft = cef_to_ocsf(parse_cef(line, RECEIVED), RECEIVED)
    assert draft.event["actor"]["process"] == {
        "name": "explorer.exe",
        "pid": 1000,
        "file": {"path": "C:\\Windows\\explorer.exe"},
    }
    assert draft.event["process"]["name"] == "cmd.exe"
    assert links(to_graph_event("p", "cef", line, RECEIVED)) == {
        ("ON_DEVICE", "Host:ws-1"),
        ("HAS_ACTOR_PROCESS", "Process@Host:ws-1/1000/explorer.exe"),
        ("HAS_PROCESS", "Process@Host:ws-1/4242/cmd.exe"),
        ("HAS_FILE", "File@Host:ws-1/C:\\Windows\\explorer.exe"),
        ("HAS_FILE", "File@Host:ws-1/C:\\Windows\\System32\\cmd.exe"),
    }


def test_a_process_without_a_device_has_no_key() -> None:
    draft = cef_to_ocsf(parse_cef("CEF:0|V|P|1|s|n|1|dproc=sshd dpid=77", RECEIVED), RECEIVED)
    assert draft.event["process"] == {"name": "sshd", "pid": 77}


@pytest.mark.parametrize(
    ("extension", "device", "dst"),
    [
        ("dvchost=10.0.0.9 dhost=10.0.0.10", {"ip": "10.0.0.9"}, {"ip": "10.0.0.10"}),
        ("dvchost=- dhost=N/A suser=- duser=unknown", None, None),
        ("dvchost=fw-1 dhost=2001:DB8::1", {"hostname": "fw-1"}, {"ip": "2001:db8::1"}),
    ],
)
def test_host_names_that_are_addresses_or_placeholders(
    extension: str, device: dict[str, Any] | None, dst: dict[str, Any] | None
) -> None:
    draft = cef_to_ocsf(parse_cef(f"CEF:0|V|P|1|s|n|1|{extension}", RECEIVED), RECEIVED)
    assert draft.event.get("device") == device
    assert draft.event.get("dst_endpoint") == dst
    assert "user" not in draft.event
    assert "actor" not in draft.event


def test_text_in_front_that_is_no_syslog_header_is_ignored() -> None:
    line = "Syslogdate Sysloghost CEF:0|security|threatmanager|1.0|100|stopped|10|src=10.0.0.192"
    event = to_graph_event("h", "cef", line, RECEIVED)
    assert links(event) == {("HAS_SOURCE", "IP:10.0.0.192")}


@pytest.mark.parametrize(("severity", "expected"), [("7.0", 4), ("10.0", 5), ("0.0", 1)])
def test_decimal_severity(severity: str, expected: int) -> None:
    line = f"CEF:0|V|P|1|s|n|{severity}|"
    assert to_graph_event("s", "cef", line, RECEIVED).props["severity_id"] == expected


@pytest.mark.parametrize(
    ("extension", "message"),
    [
        # The address is fine; the text after it is the culprit, and the error says so.
        ("dst=10.0.0.1 bad key[=x", "dst is the address '10.0.0.1' followed by 'bad'"),
        ("dst=10.0.0.1 a b=c", "dst is the address '10.0.0.1' followed by 'a'"),
        ("src=10.0.0.300", "src: '10.0.0.300' is not a valid IP address"),
        ("rt=Mar 14 2024 10:00:00 dtz=Mars/Olympus", "dtz: unknown time zone 'Mars/Olympus'"),
        ("rt=Mar 14 2024 10:00:00 dtz=../../etc/passwd", "dtz: unknown time zone"),
    ],
)
def test_errors_name_the_culprit(extension: str, message: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        to_graph_event("e", "cef", f"CEF:0|V|P|1|s|n|1|{extension}", RECEIVED)
    assert message in caught.value.msg


_KEYS = st.sampled_from(
    [
        "src",
        "dst",
        "shost",
        "dhost",
        "dvchost",
        "suser",
        "duser",
        "sproc",
        "spid",
        "dproc",
        "dpid",
        "dtz",
        "rt",
        "request",
        "ad.x[0]",
        "ad.a,b",
        "cs1",
    ]
)
_VALUES = st.sampled_from(
    ["-", "N/A", "unknown", "10.0.0.1", "0.0.0.0", "::", '"quoted"', "'", "Europe/Moscow",  # noqa: S104 (compared, never bound)
     "+0300", "Mar 14 2024 10:00:00", "C:\\x\\y.exe", "42", "host-1", "", " ", "NULL SID"]
)  # fmt: skip
_CEF_LINE = st.lists(st.tuples(_KEYS, _VALUES), max_size=8).map(
    lambda pairs: "CEF:0|V|P|1|s|n|5|" + " ".join(f"{k}={v}" for k, v in pairs)
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), _CEF_LINE))
def test_any_text_is_an_event_or_a_named_refusal_and_no_placeholder_entity(text: str) -> None:
    outcome: GraphEvent | InvalidEvent
    try:
        outcome = to_graph_event("f", "cef", text, RECEIVED)
    except InvalidEvent as exc:  # any other exception fails the test
        outcome = exc
    if isinstance(outcome, InvalidEvent):
        assert outcome.loc == ("event",)
        assert outcome.msg
        return
    for link in outcome.links:
        natural_id = link.entity.key.split(":", 1)[1]
        assert not is_placeholder(natural_id), link
        for part in natural_id.split("/"):  # <host key or event/id>/<pid>/<program>
            assert not part or not is_placeholder(part.split(":", 1)[-1]), link
