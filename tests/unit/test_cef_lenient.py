"""CEF leniency beyond the spec's letter: white space around the version, the severity
words in their written forms, and custom fields placed by what their labels say (the
head noun for the kind, any word for the side), without the false links a keyword
match gives (`User Agent` is no user)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.core.errors import InvalidEvent
from shared.mapping.formats.cef import parse_cef
from shared.mapping.formats.cef_labels import LabelMeaning, label_meaning
from shared.mapping.graph_model import DroppedField, GraphEvent
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def links(event: GraphEvent) -> set[tuple[str, str]]:
    return {(link.rel, link.entity.key) for link in event.links}


def cef(extension: str, severity: str = "5") -> GraphEvent:
    line = f"CEF:0|Acme|Edge|2.1|nat-1|Connection|{severity}|{extension}"
    return to_graph_event("c", "cef", line, RECEIVED)


# --- header -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "CEF: 0|Acme|Edge|2.1|77|Blocked|3|src=192.0.2.44",
        "CEF:  1|Acme|Edge|2.1|77|Blocked|3|src=192.0.2.44",
        "CEF:\t0 |Acme|Edge|2.1|77|Blocked|3|src=192.0.2.44",
        "<13>Jun  2 08:00:00 edge-3 CEF: 0|Acme|Edge|2.1|77|Blocked|3|src=192.0.2.44",
    ],
)
def test_space_around_the_version_is_read(line: str) -> None:
    record = parse_cef(line, RECEIVED)
    assert (record.vendor, record.signature_id, record.severity) == ("Acme", "77", "3")
    event = to_graph_event("h", "cef", line, RECEIVED)
    assert ("HAS_SOURCE", "IP:192.0.2.44") in links(event)
    assert event.dropped == ()


def test_a_line_without_any_cef_header_is_still_refused() -> None:
    with pytest.raises(InvalidEvent, match="no CEF header"):
        to_graph_event("h", "cef", "CEF 0|Acme|Edge|2.1|77|Blocked|3|", RECEIVED)


# --- severity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("Critical", 5), ("CRITICAL", 5), ("Very High", 5), ("very_high", 5), ("VeryHigh", 5),
     (" High ", 4), ("medium", 3), ("LOW", 2), ("unknown", 0), ("10.0", 5)],
)  # fmt: skip
def test_severity_words_vendors_use_are_mapped(severity: str, expected: int) -> None:
    event = cef("src=192.0.2.9", severity)
    assert event.props["severity_id"] == expected
    assert event.dropped == ()


# --- labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "meaning"),
    [
        ("Source IPv6 Address", LabelMeaning("ip", "src")),
        ("destinationIPv6Address", LabelMeaning("ip", "dst")),
        ("Attacker Address", LabelMeaning("ip", "src")),
        ("Victim IP", LabelMeaning("ip", "dst")),
        ("Remote Address", LabelMeaning("ip", None)),
        ("Source NAT IP", LabelMeaning("ip", "src", translated=True)),
        ("Client Host", LabelMeaning("host", "src")),
        ("Server Name", LabelMeaning("host", "dst")),
        ("Computer Name", LabelMeaning("host", None)),
        ("Target User Name", LabelMeaning("user", "dst")),
        ("SourceUserName", LabelMeaning("user", "src")),
        ("Logon Account", LabelMeaning("user", None)),
        ("Email Address", LabelMeaning("email", None)),
        ("Sender Mailbox", LabelMeaning("email", None)),
        ("Source Zone", LabelMeaning(None, "src")),
    ],
)
def test_label_rules(label: str, meaning: LabelMeaning) -> None:
    assert label_meaning(label) == meaning


@pytest.mark.parametrize(
    "label",
    ["User Agent", "Account Domain", "Logon Type", "MAC Address", "Host Header Count", "Rule",
     "Policy Name", "Source to Destination", "", "   ", "User ID"],
)  # fmt: skip
def test_labels_that_name_no_entity(label: str) -> None:
    assert label_meaning(label) is None


def test_c6a_labelled_by_side_fills_the_empty_endpoint() -> None:
    event = cef(
        "c6a2Label=Source IPv6 Address c6a2=2001:DB8:0:0::17 "
        "c6a3Label=Destination IPv6 Address c6a3=2001:db8::80"
    )
    assert links(event) == {
        ("HAS_SOURCE", "IP:2001:db8::17"),
        ("HAS_DESTINATION", "IP:2001:db8::80"),
    }


def test_c6a_beside_an_ipv4_source_is_an_observable_of_the_event() -> None:
    event = cef(
        "src=192.0.2.15 c6a2Label=Source IPv6 Address c6a2=2001:db8::15 "
        "c6a1Label=Device IPv6 Address c6a1=2001:db8::1 c6a4=2001:db8::4"
    )
    assert links(event) == {
        ("HAS_SOURCE", "IP:192.0.2.15"),
        ("HAS_OBSERVABLE", "IP:2001:db8::15"),
        ("HAS_OBSERVABLE", "IP:2001:db8::1"),
        ("HAS_OBSERVABLE", "IP:2001:db8::4"),
    }


def test_c6a_that_is_no_address_is_dropped() -> None:
    event = cef("src=192.0.2.15 c6a2Label=Source IPv6 Address c6a2=not-an-ip")
    assert links(event) == {("HAS_SOURCE", "IP:192.0.2.15")}
    assert event.dropped == (
        DroppedField("c6a2", "CEF extension c6a2: 'not-an-ip' is not a valid IP address"),
    )


def test_custom_strings_labelled_as_accounts_hosts_and_addresses() -> None:
    event = to_graph_event(
        "cs",
        "cef",
        "CEF:0|Acme|Edge|2.1|auth-9|Session started|3|dvchost=gw-2 "
        "cs1Label=Target User Name cs1=CORP\\\\mlopez "
        "cs2Label=Source Workstation cs2=pc-0142 "
        "cs3Label=Attacker Address cs3=198.51.100.23 "
        "cs4Label=Reporter Email Address cs4=soc@corp.example "
        "cs5Label=User Agent cs5=Mozilla/5.0 "
        "cs6Label=Computer Name cs6=build-07",
        RECEIVED,
    )
    assert links(event) == {
        ("ON_DEVICE", "Host:gw-2"),
        ("HAS_USER", "User:corp\\mlopez"),
        ("HAS_SOURCE", "Host:pc-0142"),
        ("HAS_SOURCE", "IP:198.51.100.23"),
        ("HAS_OBSERVABLE", "Email:soc@corp.example"),
        ("HAS_OBSERVABLE", "Host:build-07"),
    }
    # The values stay on the Event under fixed names, labels beside them.
    assert (event.props["cs5"], event.props["cs5_label"]) == ("Mozilla/5.0", "User Agent")


def test_a_labelled_account_beside_suser_is_an_observable() -> None:
    event = cef("suser=CORP\\\\ops1 cs1Label=Source User cs1=CORP\\\\ops2 src=192.0.2.3")
    assert links(event) == {
        ("HAS_SOURCE", "IP:192.0.2.3"),
        ("HAS_PRINCIPAL", "User:corp\\ops1"),
        ("HAS_OBSERVABLE", "User:corp\\ops2"),
    }


def test_the_same_value_twice_is_one_link() -> None:
    event = cef("src=192.0.2.3 cs1Label=Source IP cs1=192.0.2.3")
    assert links(event) == {("HAS_SOURCE", "IP:192.0.2.3")}


def test_a_labelled_host_that_is_an_address_is_an_ip_and_localhost_is_nothing() -> None:
    event = cef("cs1Label=Client Host cs1=10.9.8.7 cs2Label=Server Host cs2=localhost")
    assert links(event) == {("HAS_SOURCE", "IP:10.9.8.7")}
    assert event.dropped == ()


def test_labelled_values_that_do_not_fit_are_dropped_and_placeholders_ignored() -> None:
    event = cef(
        "cs1Label=Remote Address cs1=gateway cs2Label=Contact Email cs2=nobody "
        "cs3Label=Target User cs3=N/A"
    )
    assert links(event) == set()
    assert event.dropped == (
        DroppedField("cs1", "CEF extension cs1: 'gateway' is not a valid IP address"),
        DroppedField("cs2", "CEF extension cs2: 'nobody' is not an e-mail address"),
    )


def test_an_unlabelled_custom_string_names_nothing() -> None:
    assert links(cef("cs1=192.0.2.200 cs2=alice")) == set()


def test_full_arcsight_names_of_the_ipv6_fields() -> None:
    event = cef(
        "deviceCustomIPv6Address2Label=Source IPv6 Address deviceCustomIPv6Address2=2001:db8::99"
    )
    assert links(event) == {("HAS_SOURCE", "IP:2001:db8::99")}


def test_labels_a_keyword_match_would_misread_name_no_entity() -> None:
    event = cef(
        "dvchost=fw2 cs1Label=User Agent cs1=Mozilla/5.0 cs2Label=Logon Type cs2=Interactive "
        "cs3Label=Account Domain cs3=CORP cs4Label=Host Header cs4=www.example.com "
        "cs5Label=Address Family cs5=IPv4 cs6Label=Login Result cs6=success"
    )
    assert links(event) == {("ON_DEVICE", "Host:fw2")}
    assert event.dropped == ()


def test_a_translated_address_by_label_is_an_observable_not_the_source() -> None:
    event = cef("src=10.20.0.8 cs1Label=Source NAT IP cs1=198.51.100.1")
    assert links(event) == {("HAS_SOURCE", "IP:10.20.0.8"), ("HAS_OBSERVABLE", "IP:198.51.100.1")}
