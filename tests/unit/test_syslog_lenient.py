"""Syslog as senders write it: the bends both grammars accept, placeholder and address
host names, free-form lines, and what alone is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.errors import InvalidEvent
from shared.mapping.formats.syslog import parse_syslog, parse_syslog_strict
from shared.mapping.formats.syslog_ocsf import syslog_to_ocsf
from shared.mapping.graph_model import GraphEvent
from shared.mapping.placeholders import is_placeholder
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

# line, form, hostname, app, time
BENDS: list[tuple[str, str, str | None, str | None, datetime | None]] = [
    ("<38> Mar 14 10:00:00 web-1 sshd[1]: x", "rfc3164", "web-1", "sshd",
     datetime(2024, 3, 14, 10, tzinfo=UTC)),
    ("AUG 10 22:18:24 2009  netbox sshd[1]: x", "rfc3164", "netbox", "sshd",
     datetime(2009, 8, 10, 22, 18, 24, tzinfo=UTC)),
    ("<13>1 2024-03-14T10:00:00 h app - - - no zone", "rfc5424", "h", "app",
     datetime(2024, 3, 14, 10, tzinfo=UTC)),
    ("<13>1 2024-03-14T10:00:00+0400 h app - - - x", "rfc5424", "h", "app",
     datetime(2024, 3, 14, 6, tzinfo=UTC)),
    ('<13>1 2024-03-14T10:00:00Z h app - - [id a= "b" c="d" ] x', "rfc5424", "h", "app",
     datetime(2024, 3, 14, 10, tzinfo=UTC)),
    ("<13>2024-03-14T10:00:00 h app[1]: rsyslog file format, no zone", "rfc3164", "h", "app",
     datetime(2024, 3, 14, 10, tzinfo=UTC)),
    ("<13>2 2024-03-14T10:00:00Z h sshd 12 - - x", "free-form", None, None, None),
    ("<13>Feb 30 10:00:00 h sshd[4]: x", "free-form", None, "sshd", None),
    ("just some words", "free-form", None, None, None),
]  # fmt: skip


@pytest.mark.parametrize(("line", "form", "host", "app", "time"), BENDS)
def test_bends(line: str, form: str, host: str | None, app: str | None, time: datetime) -> None:
    message = parse_syslog(line, RECEIVED)
    assert (message.protocol, message.hostname, message.app_name, message.time) == (
        form,
        host,
        app,
        time,
    )


def test_strict_parse_still_refuses_what_lenient_keeps() -> None:
    with pytest.raises(InvalidEvent, match="VERSION 2"):
        parse_syslog_strict("<13>2 - h a - - - x", RECEIVED)


def test_structured_data_with_spaces_is_read() -> None:
    message = parse_syslog('<13>1 - h a - - [id a= "b" c="d" ] x', RECEIVED)
    assert message.structured_data[0].params == (("a", "b"), ("c", "d"))


@pytest.mark.parametrize("host", ["-", "---", "unknown", "N/A"])
def test_placeholder_host_names_are_never_entities(host: str) -> None:
    line = (
        f"<38>Mar 14 10:00:00 {host} sshd[5]: Accepted password for bob from 10.0.0.8 port 22 ssh2"
    )
    event = to_graph_event("p", "syslog", line, RECEIVED)
    assert {(link.rel, link.entity.key) for link in event.links} == {
        ("HAS_USER", "User@Event:p/bob"),
        ("HAS_SOURCE", "IP:10.0.0.8"),
    }


@pytest.mark.parametrize(
    ("line", "device"),
    [
        ("<13>Mar 14 10:00:00 10.0.0.99 app: x", {"ip": "10.0.0.99"}),
        ("<13>1 - 2001:DB8::1 app - - - x", {"ip": "2001:db8::1"}),
        ("<13>Mar 14 10:00:00 Web-1 app: x", {"hostname": "Web-1"}),
    ],
)
def test_an_address_host_name_is_the_device_ip(line: str, device: dict[str, str]) -> None:
    draft = syslog_to_ocsf(parse_syslog(line, RECEIVED))
    assert draft.event["device"] == device


def test_free_form_line_keeps_what_recognisers_find() -> None:
    line = "<13>2 2024-03-14T10:00:00Z h sshd 12 - - Failed password for root from 10.9.9.9 port 22 ssh2"
    event = to_graph_event("f", "syslog", line, RECEIVED)
    assert event.props["syslog_format"] == "free-form"
    assert "VERSION 2" in str(event.props["syslog_unparsed_because"])
    assert event.time == RECEIVED
    assert event.props["class_uid"] == 3002
    assert {(link.rel, link.entity.key) for link in event.links} == {
        ("HAS_USER", "User@Event:f/root"),
        ("HAS_SOURCE", "IP:10.9.9.9"),
    }


def test_a_single_control_character_is_still_text() -> None:
    event = to_graph_event("c", "syslog", "<13>Mar 14 10:00:00 h app: bell \x07 here", RECEIVED)
    assert event.props["syslog_format"] == "rfc3164"


_WORDS = st.sampled_from(
    ["<13>", "<38> ", "Mar 14 10:00:00 ", "AUG 10 22:18:24 2009 ", "-", "---", "unknown ",
     "N/A ", "host ", "sshd[1]: ", "Invalid user ", "Failed password for ", "- ",
     "from ", "10.0.0.1 ", "0.0.0.0 ", "port 22 ", "user=- ", "rhost=- ", "SRC=- ",
     "DST=:: ", "IN=eth0 ", "[x]IN= ", "pam_unix(sshd:auth): authentication failure; ",
     "session opened for user - by (uid=0)", "New session 1 of user -.", " : TTY=x ; USER=- ; COMMAND=x",
     "Successful su for - by N/A", "<13>1 ", "2024-03-14T10:00:00 ", "[a b= \"c\"] "]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(_WORDS, max_size=14).map("".join)))
def test_any_text_is_an_event_or_a_named_refusal_and_no_placeholder_entity(text: str) -> None:
    outcome: GraphEvent | InvalidEvent
    try:
        outcome = to_graph_event("h", "syslog", text, RECEIVED)
    except InvalidEvent as exc:  # any other exception fails the test
        outcome = exc
    if isinstance(outcome, InvalidEvent):
        assert outcome.loc == ("event",)
        # Only what is no line of text is refused.
        assert not text.strip() or "not text" in outcome.msg or "characters long" in outcome.msg
        return
    for link in outcome.links:
        head, _, natural_id = link.entity.key.partition(":")
        if "@" in head:  # <Kind>@<scope key>/<natural id>
            scope, _, natural_id = link.entity.key.partition("@")[2].partition("/")
            assert not is_placeholder(scope.partition(":")[2]), link
        assert not is_placeholder(natural_id), link


@pytest.mark.parametrize(
    ("line", "addresses"),
    [
        (
            "<166>Mar 14 2024 10:00:00 asa01 : %ASA-6-302013: Built outbound TCP connection 123 "
            "for outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.0.5/51514",
            ["93.184.216.34", "10.0.0.5"],
        ),
        (
            "<13>1 - h app - - - client 2001:DB8::5 at 10:00:00, v1.2.3.4.5, 0.0.0.0",
            ["2001:db8::5"],
        ),
        # A recognised line has its addresses in their roles: no observables.
        ("<38>Mar 14 10:00:00 h sshd[1]: Invalid user x from 192.0.2.4", None),
    ],
)
def test_unrecognised_messages_keep_their_addresses_as_observables(
    line: str, addresses: list[str] | None
) -> None:
    event = syslog_to_ocsf(parse_syslog(line, RECEIVED)).event
    found = [item["value"] for item in event.get("observables", [])] or None
    assert found == addresses
    if addresses:
        assert all(item["type_id"] == 2 for item in event["observables"])
