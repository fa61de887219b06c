"""The recogniser table: every sample it lists, and real lines end to end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.mapping.formats.syslog_recognisers import RECOGNISERS, Recogniser, recognise
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

Links = set[tuple[str, str]]

_PROGRAM_FOR: dict[str, str | None] = {
    "sshd-auth": "sshd",
    "sshd-invalid-user": "sshd",
    "sshd-closed": "sshd",
    "sshd-other": "sshd",
    "sshd-opened": "sshd",
    "sshd-too-many": "sshd",
    "sshd-subsystem": "sshd",
    "pam-auth-failure": "sshd",
    "pam-session": "sudo",
    "pam-password-changed": "passwd",
    "pam-lockout": "sshd",
    "pam-check-failed": "unix_chkpwd",
    "account-management": "useradd",
    "login": "login",
    "ftp": "vsftpd",
    "openvpn": "openvpn",
    "snare": None,
    "sudo": "sudo",
    "su": "su",
    "systemd-logind": "systemd-logind",
    "netfilter": "kernel",
}


def links(event: GraphEvent) -> Links:
    return {(link.rel, link.entity.key) for link in event.links}


@pytest.mark.parametrize(
    ("entry", "sample"),
    [(entry, sample) for entry in RECOGNISERS for sample in entry.samples],
    ids=[f"{entry.name}-{i}" for entry in RECOGNISERS for i in range(len(entry.samples))],
)
def test_every_sample_is_read_by_its_entry(entry: Recogniser, sample: str) -> None:
    found = recognise(_PROGRAM_FOR[entry.name], sample)
    assert found is not None
    assert found[0] == entry.name
    # A program-less (free-form) line reaches the same entry.
    assert recognise(None, sample) == found


def test_every_entry_has_samples_and_a_test_program() -> None:
    assert all(entry.samples for entry in RECOGNISERS)
    assert {entry.name for entry in RECOGNISERS} == set(_PROGRAM_FOR)


def test_program_gating_keeps_sshd_readers_to_sshd() -> None:
    line = "Invalid user oracle from 203.0.113.77 port 41234"
    assert recognise("cron", line) is None
    assert recognise("sshd-session", line) is not None  # OpenSSH 9.8 splits sshd


H = "<38>Mar 14 10:00:00 web-1"
P = ("ON_DEVICE", "Host:web-1")

# name, line, class_uid, links besides ON_DEVICE and the sender process, props
LINES: list[tuple[str, str, int, Links, dict[str, Any]]] = [
    ("sshd invalid user", f"{H} sshd[9]: Invalid user oracle from 203.0.113.77 port 41234",
     3002, {("HAS_USER", "User@Host:web-1/oracle"), ("HAS_SOURCE", "IP:203.0.113.77")},
     {"status": "Failure", "status_detail": "Invalid user", "src_port": 41234,
      "syslog_recogniser": "sshd-invalid-user"}),
    ("sshd invalid user without port", f"{H} sshd[9]: Invalid user test from 192.0.2.15",
     3002, {("HAS_USER", "User@Host:web-1/test"), ("HAS_SOURCE", "IP:192.0.2.15")}, {"activity_id": 1}),
    ("sshd failed root", f"{H} sshd[9]: Failed password for root from 198.51.100.4 port 40022 ssh2",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_SOURCE", "IP:198.51.100.4")},
     {"status": "Failure", "auth_method": "password"}),
    ("sshd empty invalid user", f"{H} sshd[9]: Failed none for invalid user  from 192.0.2.7 port 4 ssh2",
     3002, {("HAS_SOURCE", "IP:192.0.2.7")}, {"status_detail": "Invalid user"}),
    ("sshd repeated message", f"{H} sshd[9]: message repeated 2 times: [ Failed password for alice from 10.0.0.9 port 22 ssh2]",
     3002, {("HAS_USER", "User@Host:web-1/alice"), ("HAS_SOURCE", "IP:10.0.0.9")}, {}),
    ("sshd closed authenticating", f"{H} sshd[9]: Connection closed by authenticating user root 203.0.113.9 port 52814 [preauth]",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_SOURCE", "IP:203.0.113.9")}, {"activity_id": 99}),
    ("sshd disconnected user", f"{H} sshd[9]: Disconnected from user alice 10.0.0.5 port 50000",
     3002, {("HAS_USER", "User@Host:web-1/alice"), ("HAS_SOURCE", "IP:10.0.0.5")}, {"activity_id": 2}),
    ("sshd closed no user", f"{H} sshd[9]: Connection closed by 203.0.113.9 port 52814 [preauth]",
     4001, {("HAS_SOURCE", "IP:203.0.113.9")}, {"activity_id": 2}),
    ("sshd max attempts", f"{H} sshd[9]: error: maximum authentication attempts exceeded for invalid user admin from 203.0.113.9 port 52814 ssh2 [preauth]",
     0, {("HAS_USER", "User@Host:web-1/admin"), ("HAS_SOURCE", "IP:203.0.113.9")}, {}),
    ("sshd not allowed", f"{H} sshd[9]: User root from 192.0.2.1 not allowed because not listed in AllowUsers",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_SOURCE", "IP:192.0.2.1")}, {"status_detail": "User not allowed"}),
    ("sshd disconnecting invalid user", f"{H} sshd[9]: Disconnecting invalid user admin 203.0.113.9 port 4444: Too many authentication failures [preauth]",
     3002, {("HAS_USER", "User@Host:web-1/admin"), ("HAS_SOURCE", "IP:203.0.113.9")}, {"activity_id": 99}),
    ("sshd no identification", f"{H} sshd[9]: Did not receive identification string from 123.57.245.163",
     0, {("HAS_SOURCE", "IP:123.57.245.163")}, {"syslog_recogniser": "sshd-other"}),
    ("sshd userauth invalid user", f"{H} sshd[9]: input_userauth_request: invalid user admin [preauth]",
     0, {("HAS_USER", "User@Host:web-1/admin")}, {}),
    ("pam more failures", f"{H} sshd[9]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=116.31.116.24  user=root",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_SOURCE", "IP:116.31.116.24")}, {"pam_service": None}),
    ("pam auth failure", f"{H} sshd[9]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_SOURCE", "IP:203.0.113.9")},
     {"status": "Failure", "pam_service": "sshd"}),
    ("pam auth failure rhost name, no user", f"{H} sshd[9]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=scanner.example.net",
     3002, {("HAS_SOURCE", "Host:scanner.example.net")}, {}),
    ("pam su failure", f"{H} su[9]: pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=pts/0 ruser=alice rhost=  user=root",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_PRINCIPAL", "User@Host:web-1/alice")}, {"pam_service": "su"}),
    ("pam session opened by", f"{H} sudo[9]: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_PRINCIPAL", "User@Host:web-1/alice")}, {"activity_id": 1}),
    ("pam session opened by uid only", f"{H} sshd[9]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
     3002, {("HAS_USER", "User@Host:web-1/alice")}, {"status": "Success"}),
    ("pam session closed", f"{H} CRON[9]: pam_unix(cron:session): session closed for user root",
     3002, {("HAS_USER", "User@Host:web-1/root")}, {"activity_id": 2}),
    ("sudo", f"{H} sudo[9]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
     1007, {("HAS_PRINCIPAL", "User@Host:web-1/alice"), ("HAS_USER", "User@Host:web-1/root")}, {"cmd_line": "/usr/bin/id"}),
    ("su successful", f"{H} su[9]: Successful su for root by alice",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_PRINCIPAL", "User@Host:web-1/alice")}, {"status": "Success"}),
    ("su failed util-linux", f"{H} su[9]: FAILED SU (to root) bob on pts/1",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_PRINCIPAL", "User@Host:web-1/bob")}, {"status": "Failure", "tty": "pts/1"}),
    ("su shadow legacy", f"{H} su[9]: + pts/0 alice:root",
     3002, {("HAS_USER", "User@Host:web-1/root"), ("HAS_PRINCIPAL", "User@Host:web-1/alice")}, {"status": "Success"}),
    ("logind new session", f"{H} systemd-logind[9]: New session 42 of user alice.",
     3002, {("HAS_USER", "User@Host:web-1/alice")}, {"session": "42", "status": "Success"}),
    ("netfilter glued prefix", f"{H} kernel[9]: [wan-lan-default-D]IN=eth0 OUT=eth1 SRC=203.0.113.5 DST=192.168.1.10 LEN=52 PROTO=TCP SPT=443 DPT=50432",
     4001, {("HAS_SOURCE", "IP:203.0.113.5"), ("HAS_DESTINATION", "IP:192.168.1.10")},
     {"log_prefix": "[wan-lan-default-D]", "action": "Denied", "in_interface": "eth0", "src_port": 443}),
    ("netfilter host glued", "<4>Mar 14 10:00:00 web-1:IN=eth1 OUT= SRC=10.1.1.2 DST=10.1.1.255 LEN=78 PROTO=UDP SPT=137 DPT=137",
     4001, {("HAS_SOURCE", "IP:10.1.1.2"), ("HAS_DESTINATION", "IP:10.1.1.255")},
     {"protocol": "udp", "dst_port": 137}),
    ("netfilter without IN", f"{H} kernel[9]: DROP: SRC=198.51.100.1 DST=10.0.0.1 PROTO=ICMP TYPE=8",
     4001, {("HAS_SOURCE", "IP:198.51.100.1"), ("HAS_DESTINATION", "IP:10.0.0.1")}, {"action": "Denied"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "expected", "props"), [c[1:] for c in LINES], ids=[c[0] for c in LINES]
)
def test_real_lines(line: str, class_uid: int, expected: Links, props: dict[str, Any]) -> None:
    event = to_graph_event("r", "syslog", line, RECEIVED)
    assert event.props["class_uid"] == class_uid
    found = {link for link in links(event) if link[0] != "HAS_ACTOR_PROCESS"}
    assert found == expected | {P}
    assert {name: event.props.get(name) for name in props} == props
