"""Syslog as more senders write it: account management, PAM in the tag or the message,
login/sshd/ftp forms, OpenVPN clients and Snare's Windows events. Each line is mapped
end to end and its class and every link but the device's and the sender process's are
asserted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.mapping.formats.syslog_pam import split_tag
from shared.mapping.formats.syslog_snare import _pairs
from shared.mapping.graph_model import GraphEvent
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
Links = set[tuple[str, str]]


def links(event: GraphEvent) -> Links:
    return {
        (link.rel, link.entity.key)
        for link in event.links
        if link.rel not in ("ON_DEVICE", "HAS_ACTOR_PROCESS")
    }


def mapped(line: str) -> GraphEvent:
    return to_graph_event("s-1", "syslog", line, RECEIVED)


H = "<86>Mar 14 10:00:00 ci-5"
U = "User@Host:ci-5/"
G = "Group@Host:ci-5/"

# name, line, class_uid, activity_id, links, props
ACCOUNTS: list[tuple[str, str, int, int, Links, dict[str, Any]]] = [
    ("useradd new user", f"{H} useradd[71]: new user: name=hvance, UID=1302, GID=100, home=/srv/hvance, shell=/usr/bin/fish, from=/dev/pts/4",
     3001, 1, {("HAS_USER", f"{U}hvance")}, {"status": "Success", "home": "/srv/hvance", "shell": "/usr/bin/fish", "tty": "/dev/pts/4"}),
    ("useradd failed", f"{H} useradd[72]: failed adding user 'zed', data deleted",
     3001, 1, {("HAS_USER", f"{U}zed")}, {"status": "Failure"}),
    ("userdel", f"{H} userdel[73]: delete user 'tmp-build'",
     3001, 6, {("HAS_USER", f"{U}tmp-build")}, {}),
    ("usermod password", f"{H} usermod[74]: change user 'hvance' password",
     3001, 3, {("HAS_USER", f"{U}hvance")}, {}),
    ("usermod lock", f"{H} usermod[74]: lock user 'hvance' password",
     3001, 9, {("HAS_USER", f"{U}hvance")}, {}),
    ("usermod unlock", f"{H} usermod[74]: unlock user 'hvance' password",
     3001, 12, {("HAS_USER", f"{U}hvance")}, {}),
    ("usermod home", f"{H} usermod[74]: change user 'hvance' home from '/srv/hvance' to '/home/hvance'",
     3001, 99, {("HAS_USER", f"{U}hvance")}, {"status_detail": "home changed"}),
    ("usermod rename", f"{H} usermod[74]: change user name 'hvance' to 'hv'",
     3001, 99, {("HAS_USER", f"{U}hvance"), ("HAS_USER_RESULT", f"{U}hv")}, {}),
    ("shadow passwd by", f"{H} passwd[75]: password for 'hvance' changed by 'root'",
     3001, 3, {("HAS_USER", f"{U}hvance"), ("HAS_PRINCIPAL", f"{U}root")}, {}),
    ("chage", f"{H} chage[76]: changed password expiry for mysql",
     3001, 99, {("HAS_USER", f"{U}mysql")}, {"status_detail": "password expiry changed"}),
    ("chfn", f"{H} chfn[77]: changed user 'hvance' information",
     3001, 99, {("HAS_USER", f"{U}hvance")}, {}),
    ("pam chauthtok changed", f"{H} passwd[78]: pam_unix(passwd:chauthtok): password changed for hvance",
     3001, 3, {("HAS_USER", f"{U}hvance")}, {"pam_module": "pam_unix", "pam_service": "passwd", "pam_type": "chauthtok"}),
    ("pam chauthtok failure", f"{H} passwd[79]: pam_unix(passwd:chauthtok): authentication failure; logname=hvance uid=1302 euid=0 tty=pts/4 ruser= rhost=  user=hvance",
     3001, 3, {("HAS_USER", f"{U}hvance")}, {"status": "Failure", "status_detail": "authentication failure"}),
    ("gpasswd add", f"{H} gpasswd[80]: user hvance added by ops1 to group video",
     3006, 3, {("HAS_USER", f"{U}hvance"), ("HAS_PRINCIPAL", f"{U}ops1"), ("HAS_GROUP", f"{G}video")}, {}),
    ("gpasswd remove", f"{H} gpasswd[80]: user hvance removed by ops1 from group video",
     3006, 4, {("HAS_USER", f"{U}hvance"), ("HAS_PRINCIPAL", f"{U}ops1"), ("HAS_GROUP", f"{G}video")}, {}),
    ("gpasswd members set", f"{H} gpasswd[80]: members of group video set by ops1 to hvance,kira",
     3006, 99, {("HAS_PRINCIPAL", f"{U}ops1"), ("HAS_GROUP", f"{G}video")}, {"status_detail": "members changed"}),
    ("useradd supplementary group", f"{H} useradd[71]: add 'hvance' to shadow group 'render'",
     3006, 3, {("HAS_USER", f"{U}hvance"), ("HAS_GROUP", f"{G}render")}, {}),
    ("userdel from group", f"{H} userdel[73]: delete 'tmp-build' from group 'builders'",
     3006, 4, {("HAS_USER", f"{U}tmp-build"), ("HAS_GROUP", f"{G}builders")}, {}),
    ("groupadd", f"{H} groupadd[81]: group added to /etc/gshadow: name=analysts",
     3006, 6, {("HAS_GROUP", f"{G}analysts")}, {}),
    ("useradd new group", f"{H} useradd[71]: new group: name=hvance, GID=1302",
     3006, 6, {("HAS_GROUP", f"{G}hvance")}, {}),
    ("groupdel", f"{H} groupdel[82]: group 'analysts' removed from /etc/group",
     3006, 5, {("HAS_GROUP", f"{G}analysts")}, {}),
    ("userdel owned group", f"{H} userdel[73]: removed group 'tmp-build' owned by 'tmp-build'",
     3006, 5, {("HAS_USER", f"{U}tmp-build"), ("HAS_GROUP", f"{G}tmp-build")}, {}),
    ("groupmod", f"{H} groupmod[83]: group changed in /etc/group (group analysts/1404, new name: sec-analysts)",
     3006, 99, {("HAS_GROUP", f"{G}analysts")}, {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "activity", "expected", "props"),
    [c[1:] for c in ACCOUNTS],
    ids=[c[0] for c in ACCOUNTS],
)
def test_account_management(
    line: str, class_uid: int, activity: int, expected: Links, props: dict[str, Any]
) -> None:
    event = mapped(line)
    assert (event.props["class_uid"], event.props["activity_id"]) == (class_uid, activity)
    assert links(event) == expected
    assert {name: event.props.get(name) for name in props} == props


def test_the_uid_a_new_user_line_gives_stays_on_the_user() -> None:
    event = mapped(f"{H} useradd[71]: new user: name=hvance, UID=1302, GID=100, home=/h")
    (user,) = [link.entity for link in event.links if link.rel == "HAS_USER"]
    assert user.attrs.get("uid") == "1302"


M = "<38>Mar 14 10:00:00 relay-2"
R = "User@Host:relay-2/"

# name, line, class_uid, links, props
PAM: list[tuple[str, str, int, Links, dict[str, Any]]] = [
    ("old tag auth failure, rhost a name", f"{M} sshd(pam_unix)[501]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=pool-3.dyn.example.com  user=oracle",
     3002, {("HAS_USER", f"{R}oracle"), ("HAS_SOURCE", "Host:pool-3.dyn.example.com")},
     {"status": "Failure", "pam_module": "pam_unix", "pam_service": "sshd"}),
    ("old tag session opened", f"{M} su(pam_unix)[502]: session opened for user zabbix by (uid=0)",
     3002, {("HAS_USER", f"{R}zabbix")}, {"activity_id": 1, "pam_module": "pam_unix", "pam_service": "su"}),
    ("old tag session closed by user", f"{M} login(pam_unix)[503]: session closed for user pia",
     3002, {("HAS_USER", f"{R}pia")}, {"activity_id": 2}),
    ("three accounts", f"{M} su[504]: pam_unix(su:auth): authentication failure; logname=nell uid=1009 euid=0 tty=pts/3 ruser=otto rhost=  user=root",
     3002, {("HAS_USER", f"{R}root"), ("HAS_PRINCIPAL", f"{R}otto"), ("HAS_OBSERVABLE", f"{R}nell")},
     {"pam_service": "su", "pam_type": "auth"}),
    ("logname alone acts", f"{M} su[505]: pam_unix(su:auth): authentication failure; logname=nell uid=1009 euid=0 tty=pts/3 ruser= rhost=  user=root",
     3002, {("HAS_USER", f"{R}root"), ("HAS_PRINCIPAL", f"{R}nell")}, {}),
    ("rhost address", f"{M} sshd[506]: pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.71 user=pia",
     3002, {("HAS_USER", f"{R}pia"), ("HAS_SOURCE", "IP:192.0.2.71")}, {"pam_module": "pam_sss"}),
    ("faillock", f"{M} sshd[507]: pam_faillock(sshd:auth): Consecutive login failures for user pia account temporarily locked",
     3001, {("HAS_USER", f"{R}pia")}, {"activity_id": 9, "pam_module": "pam_faillock"}),
    ("tally2", f"{M} login[508]: pam_tally2(login:auth): user otto (1010) tally 9, deny 3",
     3001, {("HAS_USER", f"{R}otto")}, {"activity_id": 9, "status_detail": "tally 9, deny 3"}),
    ("chkpwd", f"{M} unix_chkpwd[509]: password check failed for user (otto)",
     3002, {("HAS_USER", f"{R}otto")}, {"status": "Failure", "status_detail": "password check failed"}),
    ("succeed_if", f'{M} sshd[510]: pam_succeed_if(sshd:auth): requirement "uid >= 1000" not met by user "bin"',
     3002, {("HAS_USER", f"{R}bin")}, {"status": "Failure"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "expected", "props"), [c[1:] for c in PAM], ids=[c[0] for c in PAM]
)
def test_pam(line: str, class_uid: int, expected: Links, props: dict[str, Any]) -> None:
    event = mapped(line)
    assert event.props["class_uid"] == class_uid
    assert links(event) == expected
    assert {name: event.props.get(name) for name in props} == props


def test_an_old_style_tag_is_its_program() -> None:
    assert split_tag("sshd(pam_unix)") == ("sshd", "pam_unix")
    assert split_tag("sshd") == ("sshd", None)
    assert split_tag(None) == (None, None)
    event = mapped(f"{M} sshd(pam_unix)[501]: session opened for user pia by (uid=0)")
    process = {link.entity.key for link in event.links if link.rel == "HAS_ACTOR_PROCESS"}
    assert process == {"Process@Host:relay-2/501/sshd"}


S = "<38>Mar 14 10:00:00 jump-3"
J = "User@Host:jump-3/"

LOGINS: list[tuple[str, str, int, Links, dict[str, Any]]] = [
    ("too many failures", f"{S} sshd[601]: Too many authentication failures for ci-runner [preauth]",
     3002, {("HAS_USER", f"{J}ci-runner")}, {"status": "Failure", "status_detail": "Too many authentication failures"}),
    ("too many failures from", f"{S} sshd[601]: Too many authentication failures for invalid user ubnt from 203.0.113.201 port 4022 ssh2 [preauth]",
     3002, {("HAS_USER", f"{J}ubnt"), ("HAS_SOURCE", "IP:203.0.113.201")}, {"src_port": 4022}),
    ("subsystem", f"{S} sshd[602]: subsystem request for sftp by user mirror",
     3002, {("HAS_USER", f"{J}mirror")}, {"activity_id": 99, "subsystem": "sftp"}),
    ("closed no port", f"{S} sshd[603]: Connection closed by 198.51.100.240 [preauth]",
     4001, {("HAS_SOURCE", "IP:198.51.100.240")}, {"activity_id": 2}),
    ("closed ipv6 with port", f"{S} sshd[603]: Connection closed by 2001:db8::17 port 50220 [preauth]",
     4001, {("HAS_SOURCE", "IP:2001:db8::17")}, {"src_port": 50220}),
    ("received disconnect keeps its port", f"{S} sshd[603]: Received disconnect from 192.0.2.3 port 5011:11: bye [preauth]",
     4001, {("HAS_SOURCE", "IP:192.0.2.3")}, {"src_port": 5011}),
    ("connection from", f"{S} sshd[604]: Connection from 192.0.2.55 port 61234 on 10.20.0.3 port 22 rdomain \"\"",
     4001, {("HAS_SOURCE", "IP:192.0.2.55"), ("HAS_DESTINATION", "IP:10.20.0.3")}, {"activity_id": 1}),
    ("root login", f"{S} login[605]: ROOT LOGIN ON ttyS0",
     3002, {("HAS_USER", f"{J}root")}, {"status": "Success", "tty": "ttyS0"}),
    ("login by from", f"{S} login[605]: LOGIN ON pts/7 BY quinn FROM term-4.example.org",
     3002, {("HAS_USER", f"{J}quinn"), ("HAS_SOURCE", "Host:term-4.example.org")}, {"tty": "pts/7"}),
    ("failed login from tty", f"{S} login[605]: FAILED LOGIN 3 FROM tty4 FOR quinn, Authentication failure",
     3002, {("HAS_USER", f"{J}quinn")}, {"status": "Failure", "tty": "tty4", "status_detail": "Authentication failure"}),
    ("too many tries", f"{S} login[605]: TOO MANY LOGIN TRIES (5) FROM 192.0.2.66 FOR quinn, User not known to the underlying authentication module",
     3002, {("HAS_USER", f"{J}quinn"), ("HAS_SOURCE", "IP:192.0.2.66")}, {"status": "Failure"}),
    ("su", f"{S} su[606]: Successful su for postgres by quinn",
     3002, {("HAS_USER", f"{J}postgres"), ("HAS_PRINCIPAL", f"{J}quinn")}, {"status": "Success"}),
    ("anonymous ftp", f"{S} ftpd[607]: ANONYMOUS FTP LOGIN FROM 198.51.100.77 [198.51.100.77], mirror@",
     3002, {("HAS_SOURCE", "IP:198.51.100.77")}, {"status_detail": "Anonymous FTP login"}),
    ("ftp login name and address", f"{S} ftpd[607]: FTP LOGIN FROM cust-9.example.net [192.0.2.90], quinn",
     3002, {("HAS_USER", f"{J}quinn"), ("HAS_SOURCE", "IP:192.0.2.90"), ("HAS_SOURCE", "Host:cust-9.example.net")}, {"status": "Success"}),
    ("ftp refused", f"{S} ftpd[607]: FTP LOGIN REFUSED (username in /etc/ftpusers) FROM 192.0.2.91 [192.0.2.91], root",
     3002, {("HAS_USER", f"{J}root"), ("HAS_SOURCE", "IP:192.0.2.91")}, {"status": "Failure"}),
    ("vsftpd ok", f'{S} vsftpd[608]: [pid 4410] [quinn] OK LOGIN: Client "::ffff:192.0.2.92"',
     3002, {("HAS_USER", f"{J}quinn"), ("HAS_SOURCE", "IP:192.0.2.92")}, {"status": "Success"}),
    ("proftpd failed", f"{S} proftpd[609]: jump-3 (cust-9.example.net[192.0.2.93]) - USER quinn (Login failed): Incorrect password",
     3002, {("HAS_USER", f"{J}quinn"), ("HAS_SOURCE", "IP:192.0.2.93"), ("HAS_SOURCE", "Host:cust-9.example.net")}, {"status": "Failure"}),
    ("pure-ftpd ok", f"{S} pure-ftpd[610]: (quinn@192.0.2.94) [INFO] quinn is now logged in",
     3002, {("HAS_USER", f"{J}quinn"), ("HAS_SOURCE", "IP:192.0.2.94")}, {"status": "Success"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "expected", "props"), [c[1:] for c in LOGINS], ids=[c[0] for c in LOGINS]
)
def test_sshd_login_su_and_ftp(
    line: str, class_uid: int, expected: Links, props: dict[str, Any]
) -> None:
    event = mapped(line)
    assert event.props["class_uid"] == class_uid
    assert links(event) == expected
    assert {name: event.props.get(name) for name in props} == props


def test_a_word_where_the_address_goes_is_no_host() -> None:
    event = mapped(f"{S} sshd[603]: Connection reset by peer")
    assert links(event) == set()


V = "<29>Mar 14 10:00:00 edge-vpn openvpn[900]:"
C = "User@Host:edge-vpn/"

VPN: list[tuple[str, str, int, int, Links]] = [
    ("pool address", f"{V} tab-31/192.0.2.140:1194 MULTI_sva: pool returned IPv4=10.9.0.22, IPv6=(Not enabled)",
     4014, 99, {("HAS_USER", f"{C}tab-31"), ("HAS_SOURCE", "IP:192.0.2.140"), ("HAS_TUNNEL_INTERFACE", "IP:10.9.0.22")}),
    ("learn", f"{V} MULTI: Learn: 10.9.0.23 -> kiosk-2/198.51.100.141:40400",
     4014, 99, {("HAS_USER", f"{C}kiosk-2"), ("HAS_SOURCE", "IP:198.51.100.141"), ("HAS_TUNNEL_INTERFACE", "IP:10.9.0.23")}),
    ("peer initiated", f"{V} 192.0.2.140:1194 [tab-31] Peer Connection Initiated with [AF_INET]192.0.2.140:1194",
     4014, 1, {("HAS_USER", f"{C}tab-31"), ("HAS_SOURCE", "IP:192.0.2.140")}),
    ("exiting", f"{V} tab-31/192.0.2.140:1194 SIGTERM[soft,remote-exit] received, client-instance exiting",
     4014, 2, {("HAS_USER", f"{C}tab-31"), ("HAS_SOURCE", "IP:192.0.2.140")}),
    ("verify before the name", f"{V} 192.0.2.140:1194 VERIFY OK: depth=0, C=US, O=Example, CN=tab-31",
     4014, 99, {("HAS_USER", f"{C}tab-31"), ("HAS_SOURCE", "IP:192.0.2.140")}),
    ("undefined common name", f"{V} UNDEF/192.0.2.142:1194 TLS: Initial packet from [AF_INET]192.0.2.142:1194",
     4014, 99, {("HAS_SOURCE", "IP:192.0.2.142")}),
    ("password accepted", f"{V} tab-31/192.0.2.140:1194 TLS: Username/Password authentication succeeded for username 'rina'",
     3002, 1, {("HAS_USER", f"{C}rina"), ("HAS_SOURCE", "IP:192.0.2.140"), ("HAS_OBSERVABLE", f"{C}tab-31")}),
    ("password refused", f"{V} 192.0.2.143:1194 TLS Auth Error: Auth Username/Password verification failed for peer",
     3002, 1, {("HAS_SOURCE", "IP:192.0.2.143")}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "activity", "expected"), [c[1:] for c in VPN], ids=[c[0] for c in VPN]
)
def test_openvpn(line: str, class_uid: int, activity: int, expected: Links) -> None:
    event = mapped(line)
    assert (event.props["class_uid"], event.props["activity_id"]) == (class_uid, activity)
    assert links(event) == expected


def test_openvpn_keeps_the_client_port_and_a_restart_closes() -> None:
    event = mapped(f"{V} tab-31/192.0.2.140:1194 Connection reset, restarting [0]")
    assert event.props["src_port"] == 1194
    assert event.props["activity_id"] == 2


def _snare(event_id: int, user: str, audit: str, computer: str, text: str, sep: str = "\t") -> str:
    fields = ["MSWinEventLog", "1", "Security", "901", "Thu Mar 14 10:00:00 2024", str(event_id),
              "Microsoft-Windows-Security-Auditing", user, "N/A", audit, computer, "Logon", "",
              text, "77"]  # fmt: skip
    return f"<13>Mar 14 10:00:00 {computer.lower()} " + sep.join(fields)


W = "Host:hr-ws9"
SNARE: list[tuple[str, str, int, int, Links]] = [
    ("4624 network logon", _snare(4624, "N/A", "Success Audit", "HR-WS9",
        "An account was successfully logged on.  Subject:  Security ID:  S-1-5-18  Account Name:  HR-WS9$  Account Domain:  NORTHWIND  Logon ID:  0x3E7  Logon Type:  3  New Logon:  Security ID:  S-1-5-21-7-8-9-2201  Account Name:  mlopez  Account Domain:  NORTHWIND  Logon ID:  0x8A1F  Network Information:  Workstation Name:  KIOSK-4  Source Network Address:  192.0.2.150  Source Port:  50333"),
     3002, 1, {("HAS_USER", "User:S-1-5-21-7-8-9-2201"), ("HAS_PRINCIPAL", f"User@{W}/S-1-5-18"),
               ("HAS_SOURCE", "Host:kiosk-4"), ("HAS_SOURCE", "IP:192.0.2.150")}),
    ("4625 failed, rsyslog-escaped tabs", _snare(4625, "N/A", "Failure Audit", "HR-WS9",
        "An account failed to log on.  Subject:  Security ID:  S-1-0-0  Account Name:  -  Account Domain:  -  Account For Which Logon Failed:  Security ID:  S-1-0-0  Account Name:  tkim  Account Domain:  NORTHWIND  Failure Information:  Failure Reason:  Unknown user name or bad password.  Network Information:  Workstation Name:  -  Source Network Address:  198.51.100.151  Source Port:  0", sep="#011"),
     3002, 1, {("HAS_USER", "User:northwind\\tkim"), ("HAS_SOURCE", "IP:198.51.100.151")}),
    ("4720 created", _snare(4720, "N/A", "Success Audit", "DC-2",
        "A user account was created.  Subject:  Security ID:  S-1-5-21-7-8-9-500  Account Name:  Administrator  Account Domain:  NORTHWIND  New Account:  Security ID:  S-1-5-21-7-8-9-2300  Account Name:  jfoster  Account Domain:  NORTHWIND"),
     3001, 1, {("HAS_USER", "User:S-1-5-21-7-8-9-2300"), ("HAS_PRINCIPAL", "User:S-1-5-21-7-8-9-500")}),
    ("4732 member added", _snare(4732, "N/A", "Success Audit", "DC-2",
        "A member was added to a security-enabled local group.  Subject:  Security ID:  S-1-5-21-7-8-9-500  Account Name:  Administrator  Account Domain:  NORTHWIND  Member:  Security ID:  S-1-5-21-7-8-9-2300  Account Name:  -  Group:  Security ID:  S-1-5-32-544  Group Name:  Administrators  Group Domain:  Builtin"),
     3006, 3, {("HAS_USER", "User:S-1-5-21-7-8-9-2300"), ("HAS_PRINCIPAL", "User:S-1-5-21-7-8-9-500"),
               ("HAS_GROUP", "Group@Host:dc-2/S-1-5-32-544")}),
    ("2003 logon, single spaces", _snare(540, "NORTHWIND\\mlopez", "Success Audit", "FS-3",
        "Successful Network Logon: User Name: mlopez Domain: NORTHWIND Logon ID: (0x0,0x3E2F1) Logon Type: 3 Logon Process: NtLmSsp Authentication Package: NTLM Workstation Name: \\\\KIOSK-4 Source Network Address: 192.0.2.150 Source Port: 1032"),
     3002, 1, {("HAS_USER", "User:northwind\\mlopez"), ("HAS_SOURCE", "Host:kiosk-4"), ("HAS_SOURCE", "IP:192.0.2.150")}),
    ("2003 group member", _snare(636, "NORTHWIND\\Administrator", "Success Audit", "DC-2",
        "Security Enabled Local Group Member Added:  Member Name: -  Member ID: %{S-1-5-21-7-8-9-2300}  Target Account Name: Backup Operators  Target Domain: Builtin  Caller User Name: Administrator  Caller Domain: NORTHWIND"),
     3006, 3, {("HAS_USER", "User:S-1-5-21-7-8-9-2300"), ("HAS_PRINCIPAL", "User:northwind\\administrator"),
               ("HAS_GROUP", "Group@Host:dc-2/S-1-5-32-551")}),
    ("other event, base with its accounts", _snare(4798, "N/A", "Success Audit", "HR-WS9",
        "A user's local group membership was enumerated.  Subject:  Security ID:  S-1-5-21-7-8-9-2201  Account Name:  mlopez  Account Domain:  NORTHWIND"),
     0, 0, {("HAS_PRINCIPAL", "User:S-1-5-21-7-8-9-2201")}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "class_uid", "activity", "expected"), [c[1:] for c in SNARE], ids=[c[0] for c in SNARE]
)
def test_snare(line: str, class_uid: int, activity: int, expected: Links) -> None:
    event = mapped(line)
    assert event.props["class_uid"] == class_uid
    assert event.props.get("activity_id", 0) == activity
    assert links(event) == expected
    device = {link.entity.key for link in event.links if link.rel == "ON_DEVICE"}
    assert len(device) == 1
    assert event.props["syslog_recogniser"] == "snare"


def test_snare_names_the_windows_event() -> None:
    event = mapped(_snare(4625, "N/A", "Failure Audit", "HR-WS9", "An account failed to log on."))
    assert event.props["event_code"] == "4625"
    assert event.props["status"] == "Failure"


def test_snare_labels_split_where_a_known_label_starts() -> None:
    pairs = _pairs(
        "Account Name:  S-1-0-0 Account Domain:  ACME  Logon GUID: {x}  Group Name: Domain Admins"
    )
    assert pairs == [
        ("Account Name", "S-1-0-0"),
        ("Account Domain", "ACME"),
        ("Logon GUID", "{x}"),
        ("Group Name", "Domain Admins"),
    ]
