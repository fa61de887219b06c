"""Entity identity: a key says what a thing is and where its name is unique.

Names every machine has (`root`, LocalSystem, 127.0.0.1, `localhost`) must never join
two machines' events; one machine's mentions of one thing must stay one node.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.mapping.formats.syslog_recognisers import netfilter
from shared.mapping.graph_model import GraphEvent
from shared.mapping.local_names import address_scope, is_local_host_name
from shared.mapping.ocsf import keys
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)


def _keys(event: GraphEvent, label: str | None = None) -> set[str]:
    return {link.entity.key for link in event.links if label is None or link.entity.label == label}


def _syslog(event_id: str, host: str, message: str, app: str = "sshd[42]") -> GraphEvent:
    line = f"<38>Mar 14 10:00:00 {host} {app}: {message}"
    return to_graph_event(event_id, "syslog", line, RECEIVED)


def _ocsf(event_id: str, event: dict[str, Any]) -> GraphEvent:
    return to_graph_event(event_id, "ocsf", {"class_uid": 3002, **event}, RECEIVED)


def test_root_on_two_hosts_is_two_users_and_one_on_one_host() -> None:
    failed = "Failed password for root from 203.0.113.9 port 52814 ssh2"
    web = _keys(_syslog("a", "web-1", failed), "User")
    db = _keys(_syslog("b", "db-7", failed), "User")
    web_again = _keys(_syslog("c", "web-1", failed.replace("52814", "52999")), "User")
    assert web == {"User@Host:web-1/root"}
    assert db == {"User@Host:db-7/root"}
    assert web_again == web


def test_local_system_is_one_node_per_machine_whichever_spelling() -> None:
    by_sid = _ocsf("a", {"device": {"hostname": "DC-1"}, "user": {"uid": "S-1-5-18"}})
    by_name = _ocsf(
        "b", {"device": {"hostname": "dc-1"}, "user": {"name": "SYSTEM", "domain": "NT AUTHORITY"}}
    )
    by_qualified_uid = _ocsf(
        "c", {"device": {"hostname": "DC-1"}, "user": {"uid": "NT AUTHORITY\\System"}}
    )
    other_machine = _ocsf("d", {"device": {"hostname": "DC-2"}, "user": {"uid": "s-1-5-18"}})
    assert _keys(by_sid, "User") == {"User@Host:dc-1/S-1-5-18"}
    assert _keys(by_name, "User") == _keys(by_sid, "User") == _keys(by_qualified_uid, "User")
    assert _keys(other_machine, "User") == {"User@Host:dc-2/S-1-5-18"}


@pytest.mark.parametrize(
    ("user", "key"),
    [
        ({"uid": "S-1-5-21-3623811015-3361044348-30300820-1104"}, None),
        ({"name": "Alice", "domain": "CORP"}, "User:corp\\alice"),
        ({"uid": "CORP\\Alice"}, "User:corp\\alice"),
        ({"name": "CORP\\ALICE"}, "User:corp\\alice"),
        ({"name": "Alice@Corp.Example"}, "User:alice@corp.example"),
        ({"name": "alice", "email_addr": "Alice@corp.example"}, "User:alice@corp.example"),
        ({"uid": "00u1abcdEFGH"}, "User:00u1abcdEFGH"),  # an IdP's uid keeps its case
        ({"name": "Administrators", "domain": "BUILTIN"}, "User@Host:ws-1/S-1-5-32-544"),
        ({"name": "MSSQLSERVER", "domain": "NT SERVICE"}, "User@Host:ws-1/nt service\\mssqlserver"),
        ({"uid": "S-1-5-32-545"}, "User@Host:ws-1/S-1-5-32-545"),
        ({"name": "Everyone"}, "User@Host:ws-1/S-1-1-0"),
        ({"name": "bob", "domain": "."}, "User@Host:ws-1/bob"),
        ({"name": "Deploy"}, "User@Host:ws-1/Deploy"),  # POSIX names keep their case
        ({"uid": "0", "name": "root"}, "User@Host:ws-1/root"),
        ({"uid": "1000"}, "User@Host:ws-1/uid=1000"),
    ],
)
def test_user_keys(user: dict[str, str], key: str | None) -> None:
    event = _ocsf("e", {"device": {"hostname": "ws-1"}, "user": user})
    expected = key or f"User:{user['uid']}"
    assert _keys(event, "User") == {expected}


def test_windows_names_fold_case_posix_names_do_not() -> None:
    windows = {"hostname": "ws-1", "os": {"name": "Windows 11", "type_id": 100}}
    upper = _ocsf("a", {"device": windows, "user": {"name": "Administrator"}})
    lower = _ocsf("b", {"device": windows, "user": {"name": "administrator"}})
    assert _keys(upper, "User") == _keys(lower, "User") == {"User@Host:ws-1/administrator"}
    linux = {"hostname": "web-1", "os": {"name": "Ubuntu", "type_id": 200}}
    assert _keys(_ocsf("c", {"device": linux, "user": {"name": "Deploy"}}), "User") != _keys(
        _ocsf("d", {"device": linux, "user": {"name": "deploy"}}), "User"
    )


def test_a_local_name_without_a_host_is_kept_inside_its_event() -> None:
    first = _ocsf("evt/1", {"user": {"name": "root"}, "src_endpoint": {"ip": "127.0.0.1"}})
    second = _ocsf("evt/2", {"user": {"name": "root"}, "src_endpoint": {"ip": "127.0.0.1"}})
    assert _keys(first) == {"User@Event:evt%2F1/root", "IP@Event:evt%2F1/127.0.0.1"}
    assert not _keys(first) & _keys(second)


def test_groups_follow_the_same_rules() -> None:
    one = _ocsf(
        "a", {"device": {"hostname": "web-1"}, "user": {"name": "x", "groups": [{"name": "wheel"}]}}
    )
    two = _ocsf(
        "b", {"device": {"hostname": "web-2"}, "user": {"name": "x", "groups": [{"name": "wheel"}]}}
    )
    assert _keys(one, "Group") == {"Group@Host:web-1/wheel"}
    assert _keys(two, "Group") == {"Group@Host:web-2/wheel"}
    domain = _ocsf(
        "c", {"user": {"name": "x", "groups": [{"name": "Domain Admins", "domain": "CORP"}]}}
    )
    assert _keys(domain, "Group") == {"Group:corp\\domain admins"}


def test_loopback_and_link_local_are_scoped_private_addresses_are_not() -> None:
    def addresses(host: str) -> set[str]:
        event = _ocsf(
            host,
            {
                "device": {"hostname": host},
                "src_endpoint": {"ip": "127.0.0.1"},
                "dst_endpoint": {"ip": "fe80::1"},
                "proxy_endpoint": {"ip": "10.0.0.5"},
            },
        )
        return _keys(event, "IP")

    assert addresses("web-1") == {"IP@Host:web-1/127.0.0.1", "IP@Host:web-1/fe80::1", "IP:10.0.0.5"}
    assert addresses("web-1") & addresses("db-7") == {"IP:10.0.0.5"}


@pytest.mark.parametrize(
    "address", ["255.255.255.255", "255.255.255.0", "255.255.0.0", "224.0.0.251", "ff02::1"]
)
def test_broadcast_netmask_and_multicast_are_no_ip(address: str) -> None:
    event = _ocsf(
        "a", {"src_endpoint": {"ip": address}, "observables": [{"type_id": 2, "value": address}]}
    )
    assert _keys(event, "IP") == set()
    assert address_scope(address) == "none"


def test_a_syslog_line_drops_its_netmasks_and_their_subnet_broadcast() -> None:
    event = _syslog(
        "a",
        "vpn-1",
        "PUSH: Received control message: 'PUSH_REPLY,route 10.8.0.1,ifconfig 10.8.0.6 "
        "255.255.255.0,dhcp-option DNS 10.8.0.1,broadcast 10.8.0.255'",
        app="openvpn[7]",
    )
    assert _keys(event, "IP") == {"IP:10.8.0.1", "IP:10.8.0.6"}


@pytest.mark.parametrize(
    "name", ["localhost", "LOCALHOST.localdomain", "localhost6", "ip6-localhost", "app.localhost."]
)
def test_localhost_is_no_host(name: str) -> None:
    assert is_local_host_name(name)
    assert keys.host(None, None, name, None) is None
    event = _ocsf("a", {"device": {"hostname": name}, "src_endpoint": {"hostname": name}})
    assert _keys(event, "Host") == set()
    line = _syslog("b", name, "Accepted password for alice from 10.0.0.5 port 22 ssh2")
    assert _keys(line, "Host") == set()
    assert _keys(line, "User") == {"User@Event:b/alice"}


def test_a_device_known_by_localhost_and_its_address_is_that_address() -> None:
    event = _ocsf(
        "a", {"device": {"hostname": "localhost", "ip": "10.0.0.9"}, "user": {"name": "root"}}
    )
    assert _keys(event) == {"IP:10.0.0.9", "User@IP:10.0.0.9/root"}


def test_an_icmp_error_links_the_outer_packet_not_the_quoted_one() -> None:
    line = (
        "<4>Mar 14 10:00:00 gw-1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.20 "
        "DST=203.0.113.7 LEN=96 TOS=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 "
        "[SRC=203.0.113.7 DST=192.0.2.53 LEN=68 TOS=0x00 TTL=63 ID=2 PROTO=UDP SPT=5353 "
        "DPT=53 LEN=48 ] "
    )
    event = to_graph_event("a", "syslog", line, RECEIVED)
    links = {(link.rel, link.entity.key) for link in event.links}
    assert links == {
        ("ON_DEVICE", "Host:gw-1"),
        ("HAS_SOURCE", "IP:198.51.100.20"),
        ("HAS_DESTINATION", "IP:203.0.113.7"),
    }
    draft = netfilter(line.split("kernel: ", 1)[1])
    assert draft is not None
    assert draft.event["dst_endpoint"] == {"ip": "203.0.113.7"}  # not the quoted DPT=53
    assert "IP:192.0.2.53" not in _keys(event)


def test_scoped_keys_cannot_collide_with_global_ones() -> None:
    scoped = keys.scoped_key("User", "Host:web/1", "root")
    assert scoped == "User@Host:web%2F1/root"
    assert scoped != keys.scoped_key("User", "Host:web", "1/root")
    assert not scoped.startswith("User:")


# --- properties -------------------------------------------------------------------------

_LOCAL_USERS = st.sampled_from(
    [
        "root",
        "admin",
        "Administrator",
        "ubuntu",
        "vagrant",
        "test",
        "0",
        "1000",
        "S-1-5-18",
        "S-1-5-19",
        "S-1-5-32-544",
        "S-1-1-0",
        "NT AUTHORITY\\SYSTEM",
        "nt authority\\network service",
    ]
)
_LOCAL_ADDRESSES = st.sampled_from(["127.0.0.1", "127.0.1.1", "::1", "169.254.10.1", "fe80::1"])
_HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True).filter(
    lambda name: not is_local_host_name(name)
)


def _local_event(host: str, user: str, address: str, as_syslog: bool) -> GraphEvent:
    if as_syslog:
        return _syslog(host, host, f"Accepted password for {user} from {address} port 22 ssh2")
    field = "uid" if user[:1].isdigit() or user.startswith("S-") or "\\" in user else "name"
    return _ocsf(
        host,
        {
            "device": {"hostname": host},
            "actor": {"user": {field: user}, "process": {"pid": 4242, "name": "sshd"}},
            "user": {field: user},
            "src_endpoint": {"ip": address},
            "dst_endpoint": {"hostname": "localhost", "ip": "127.0.0.1"},
        },
    )


@settings(max_examples=300, deadline=None)
@given(
    hosts=st.lists(_HOSTS, min_size=2, max_size=2, unique_by=str.lower),
    user=_LOCAL_USERS,
    address=_LOCAL_ADDRESSES,
    formats=st.tuples(st.booleans(), st.booleans()),
)
def test_events_of_two_hosts_sharing_only_local_names_share_no_entity(
    hosts: list[str], user: str, address: str, formats: tuple[bool, bool]
) -> None:
    first = _local_event(hosts[0], user, address, formats[0])
    second = _local_event(hosts[1], user, address, formats[1])
    assert _keys(first)
    assert _keys(second)
    assert not _keys(first) & _keys(second)


@settings(max_examples=200, deadline=None)
@given(host=_HOSTS, user=_LOCAL_USERS, address=_LOCAL_ADDRESSES, as_syslog=st.booleans())
def test_one_event_mapped_twice_gives_identical_keys(
    host: str, user: str, address: str, as_syslog: bool
) -> None:
    first = _local_event(host, user, address, as_syslog)
    again = _local_event(host, user, address, as_syslog)
    assert [link.entity.key for link in first.links] == [link.entity.key for link in again.links]


def _role_management(event_id: str, role: dict[str, Any], **rest: Any) -> GraphEvent:
    event = {"class_uid": 3008, "metadata": {"version": "1.9.0"}, "iam_role": role, **rest}
    return to_graph_event(event_id, "ocsf", event, RECEIVED)


def test_a_role_by_uid_is_one_role_everywhere() -> None:
    arn = "arn:aws:iam::123456789012:role/BillingReader"
    one = _keys(_role_management("a", {"uid": arn, "name": "BillingReader"}), "Role")
    other = _keys(_role_management("b", {"uid": arn}, device={"hostname": "ws-1"}), "Role")
    assert one == other == {f"Role:{arn}"}


def test_a_role_by_name_is_one_per_account_and_never_shared_without_one() -> None:
    def role_keys(event_id: str, account: str | None) -> set[str]:
        role: dict[str, Any] = {"name": "Administrator"}
        if account is not None:
            role["account"] = {"uid": account}
        cloud = {"provider": "AWS"}
        return _keys(_role_management(event_id, role, cloud=cloud), "Role")

    first, second = role_keys("a", "111111111111"), role_keys("b", "222222222222")
    assert first == {"Role@Account:aws%2F111111111111/Administrator"}
    assert second == {"Role@Account:aws%2F222222222222/Administrator"}
    assert role_keys("c", "111111111111") == first
    # With no account the name is bound to its one event: no invented link.
    assert role_keys("d", None) == {"Role@Event:d/Administrator"}
    assert role_keys("e", None) == {"Role@Event:e/Administrator"}


def test_a_role_s_malformed_account_is_reported_dropped_once() -> None:
    role = {"name": "Administrator", "account": {"uid": ["111111111111"]}}
    event = _role_management("a", role, cloud={"provider": "AWS"})
    paths = [field.path for field in event.dropped]
    assert paths.count("iam_role.account.uid") == 1, paths
    # Without a usable account the name stays bound to its event.
    assert _keys(event, "Role") == {"Role@Event:a/Administrator"}
