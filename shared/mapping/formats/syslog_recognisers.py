"""The messages of known programs, read into OCSF fields: one table, first match wins.

Each entry names the programs it applies to (a pattern over APP-NAME / the 3164 tag;
None means any program), the reader, and real lines it must read (the unit tests run
every sample). A line whose program is unknown (no tag, or a free-form line) is offered
to every entry, so a relayed or mangled line still links what it names.

A reader that finds a near miss (an sshd line with garbage where the address goes)
returns None: the line is still valid syslog and stays a class 0 event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from shared.mapping.addresses import canonical_ip
from shared.mapping.formats import syslog_auth as auth
from shared.mapping.formats import syslog_pam as pam
from shared.mapping.formats.draft import OcsfDraft, compact, port_number
from shared.mapping.formats.syslog_accounts import account_management
from shared.mapping.formats.syslog_ftp import ftp_login
from shared.mapping.formats.syslog_openvpn import openvpn
from shared.mapping.formats.syslog_snare import snare
from shared.mapping.placeholders import meaningful

_NETFILTER_FIELD: Final = re.compile(r"(?<!\S)([A-Z]+)=(\S*)", re.ASCII)
# Where the fields start: IN= (or SRC= when IN= is absent), glued or not to the prefix
# (`[wan-lan-default-D]IN=eth0`, `host:IN=eth1`).
_QUOTED_PACKET: Final = re.compile(r"\[[^\]]*\]")
_NETFILTER_START: Final = re.compile(r"(?<![A-Z])(?:IN|SRC)=", re.ASCII)
_KERNEL_UPTIME: Final = re.compile(r"\[\s*\d+\.\d+\]\s*", re.ASCII)
# EdgeOS/VyOS name a rule's log prefix `[<ruleset>-<rule>-<A|D|R>]`: accept, drop, reject.
_DENY_WORDS: Final = re.compile(r"block|drop|reject|deny|denied|-[DR]\]", re.IGNORECASE)
_ALLOW_WORDS: Final = re.compile(r"accept|allow|pass|-A\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Recogniser:
    name: str
    programs: re.Pattern[str] | None  # full match on the lower-cased program; None: any
    read: Callable[[str], OcsfDraft | None]
    samples: tuple[str, ...]  # messages (the text after the tag) it must read


def recognise(app_name: str | None, msg: str) -> tuple[str, OcsfDraft] | None:
    """The first table entry that reads `msg`, with what it found. An old-style PAM tag
    (`sshd(pam_unix)`) is its program, and names the PAM module and service."""
    tag_program, module = pam.split_tag(app_name)
    program = tag_program.lower() if tag_program else None
    for entry in RECOGNISERS:
        if program and entry.programs and not entry.programs.fullmatch(program):
            continue
        found = entry.read(msg)
        if found is not None:
            if module is not None and tag_program is not None:
                props = {"pam_module": module, "pam_service": tag_program, **found.extra_props}
                found = OcsfDraft(found.event, props)
            return entry.name, found
    return None


def sudo(msg: str) -> OcsfDraft | None:
    invoker, separator, rest = msg.strip().partition(" : ")
    command_at = rest.find("COMMAND=")
    if not separator or not invoker or " " in invoker or command_at < 0:
        return None
    # COMMAND is last and may itself contain " ; ", so it is cut off before splitting.
    fields: dict[str, str] = {}
    reasons: list[str] = []
    for part in rest[:command_at].split(" ; "):
        key, equals, value = part.strip().partition("=")
        if equals and key in ("TTY", "PWD", "USER", "GROUP", "ENV"):
            fields[key] = value
        elif part.strip():
            reasons.append(part.strip())
    target, actor = meaningful(fields.get("USER")), meaningful(invoker)
    if not target or not actor:
        return None
    failure = "; ".join(reasons) or None  # e.g. "3 incorrect password attempts"
    command = rest[command_at + len("COMMAND=") :].strip()
    found = compact(
        class_uid=1007,
        category_uid=1,
        activity_id=1,  # Launch
        status="Failure" if failure else "Success",
        status_id=2 if failure else 1,
        status_detail=failure,
        actor={"user": {"name": actor}},
        process=compact(cmd_line=command, user={"name": target}),
    )
    return OcsfDraft(found, compact(tty=fields.get("TTY"), cwd=fields.get("PWD")))


def netfilter(msg: str) -> OcsfDraft | None:
    if "SRC=" not in msg or "DST=" not in msg:
        return None
    start = _NETFILTER_START.search(msg)
    if start is None:
        return None
    # An ICMP error quotes the packet it answers in brackets (`[SRC=... DST=... ]`):
    # those are another packet's fields and must not replace this one's.
    outer = _QUOTED_PACKET.sub(" ", msg[start.start() :])
    fields: dict[str, str] = {}
    for match in _NETFILTER_FIELD.finditer(outer):
        fields.setdefault(match[1], match[2])
    src, dst = canonical_ip(fields.get("SRC")), canonical_ip(fields.get("DST"))
    if src is None and dst is None:
        return None
    prefix = _KERNEL_UPTIME.sub("", msg[: start.start()], count=1).strip()
    # `host:IN=eth1`: the router's name, not a log prefix.
    prefix = prefix.removesuffix(":") if " " not in prefix else prefix
    action = None
    if _DENY_WORDS.search(prefix):
        action = "Denied"
    elif _ALLOW_WORDS.search(prefix):
        action = "Allowed"
    found = compact(
        class_uid=4001,
        category_uid=4,
        action=action,
        src_endpoint=compact(ip=src, port=port_number(fields.get("SPT"))),
        dst_endpoint=compact(ip=dst, port=port_number(fields.get("DPT"))),
        connection_info=compact(protocol_name=fields.get("PROTO", "").lower()),
    )
    props = compact(
        log_prefix=prefix, in_interface=fields.get("IN"), out_interface=fields.get("OUT")
    )
    return OcsfDraft(found, props)


_SSHD: Final = re.compile(r"sshd(?:-session|-auth)?")

RECOGNISERS: Final[tuple[Recogniser, ...]] = (
    Recogniser(
        "sshd-auth",
        _SSHD,
        auth.sshd_auth,
        (
            "Failed password for invalid user admin from 203.0.113.9 port 52814 ssh2",
            "Accepted publickey for alice from 10.0.0.5 port 50000 ssh2: RSA SHA256:abc",
            "Failed password for root from 198.51.100.4 port 40022 ssh2",
        ),
    ),
    Recogniser(
        "sshd-invalid-user",
        _SSHD,
        auth.sshd_invalid_user,
        (
            "Invalid user oracle from 203.0.113.77 port 41234",
            "Invalid user test from 192.0.2.15",
            "User root from 192.0.2.1 not allowed because not listed in AllowUsers",
        ),
    ),
    Recogniser(
        "sshd-closed",
        _SSHD,
        auth.sshd_closed,
        (
            "Connection closed by authenticating user root 203.0.113.9 port 52814 [preauth]",
            "Connection closed by invalid user admin 198.51.100.2 port 33210 [preauth]",
            "Disconnected from user alice 10.0.0.5 port 50000",
            "Received disconnect from 203.0.113.9 port 52814:11: Bye Bye [preauth]",
            "Disconnecting invalid user admin 203.0.113.9 port 4444: Too many authentication "
            "failures [preauth]",
        ),
    ),
    Recogniser(
        "sshd-opened",
        _SSHD,
        auth.sshd_opened,
        ('Connection from 198.51.100.20 port 50122 on 10.0.0.4 port 22 rdomain ""',),
    ),
    Recogniser(
        "sshd-too-many",
        _SSHD,
        auth.sshd_too_many,
        (
            "Too many authentication failures for deploy [preauth]",
            "Too many authentication failures for invalid user guest from 192.0.2.44 port "
            "61000 ssh2 [preauth]",
        ),
    ),
    Recogniser(
        "sshd-subsystem",
        _SSHD,
        auth.sshd_subsystem,
        ("subsystem request for sftp by user backup",),
    ),
    Recogniser(
        "pam-auth-failure",
        None,
        pam.auth_failure,
        (
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
            "ruser= rhost=203.0.113.9  user=root",
            "pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 "
            "tty=pts/0 ruser=alice rhost=  user=root",
            "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= "
            "rhost=116.31.116.24  user=root",
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
            "rhost=dsl-7.example.net  user=root",
            "pam_unix(passwd:chauthtok): authentication failure; logname=lee uid=1000 euid=0 "
            "tty=pts/0 ruser= rhost=  user=lee",
        ),
    ),
    Recogniser(
        "pam-session",
        None,
        pam.session,
        (
            "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
            "session opened for user nagios by (uid=0)",
            "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
            "pam_unix(cron:session): session closed for user root",
        ),
    ),
    Recogniser(
        "pam-password-changed",
        None,
        pam.password_changed,
        (
            "pam_unix(passwd:chauthtok): password changed for kmoss",
            "pam_unix(chpasswd:chauthtok): password changed for svc-ci",
        ),
    ),
    Recogniser(
        "pam-lockout",
        None,
        pam.lockout,
        (
            "pam_faillock(sshd:auth): Consecutive login failures for user qa1 account "
            "temporarily locked",
            "pam_tally2(login:auth): user dev3 (1003) tally 6, deny 5",
        ),
    ),
    Recogniser(
        "pam-check-failed",
        None,
        pam.check_failed,
        (
            "password check failed for user (mark)",
            'pam_succeed_if(sshd:auth): requirement "uid >= 1000" not met by user "daemon"',
        ),
    ),
    Recogniser(
        "account-management",
        re.compile(
            r"(?:user|group)(?:add|del|mod)|lu(?:ser|group)(?:add|del|mod)|(?:add|del)(?:user|group)"
            r"|g?passwd|chpasswd|chgpasswd|chage|chsh|chfn|newusers|usermgmt"
        ),
        account_management,
        (
            "new user: name=kmoss, UID=1004, GID=1004, home=/home/kmoss, shell=/bin/sh",
            "delete user 'oldsvc'",
            "change user 'dana' password",
            "user priya added by root to group wheel",
            "group added to /etc/group: name=ops, GID=1010",
            "changed password expiry for postgres",
            "add 'kmoss' to shadow group 'docker'",
        ),
    ),
    Recogniser(
        "sshd-other",
        _SSHD,
        auth.sshd_other,
        (
            "error: maximum authentication attempts exceeded for invalid user admin from "
            "203.0.113.9 port 52814 ssh2 [preauth]",
            "Unable to negotiate with 198.51.100.8 port 50122: no matching key exchange method",
            "Did not receive identification string from 123.57.245.163",
            "input_userauth_request: invalid user admin [preauth]",
        ),
    ),
    Recogniser(
        "sudo",
        re.compile(r"sudo"),
        sudo,
        (
            "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
            "bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh",
        ),
    ),
    Recogniser(
        "su",
        re.compile(r"su|su-l"),
        auth.su,
        (
            "Successful su for root by alice",
            "FAILED SU (to root) bob on pts/1",
            "(to root) alice on pts/0",
            "'su root' failed for lonvick on /dev/pts/8",
        ),
    ),
    Recogniser(
        "login",
        re.compile(r"login"),
        auth.login,
        (
            "ROOT LOGIN ON tty3",
            "LOGIN ON pts/2 BY kim FROM 192.0.2.30",
            "FAILED LOGIN 2 FROM tty1 FOR kim, Authentication failure",
            "FAILED LOGIN (1) on '/dev/tty2' FROM 'bastion.example.net' FOR 'kim', "
            "Authentication failure",
        ),
    ),
    Recogniser(
        "ftp",
        re.compile(r"[\w.-]*ftp[\w.-]*"),
        ftp_login,
        (
            "ANONYMOUS FTP LOGIN FROM 198.51.100.2 [198.51.100.2], guest@",
            "FTP LOGIN FROM files.example.org [192.0.2.8], lena",
            '[lena] FAIL LOGIN: Client "192.0.2.9"',
            "ftp.example.org (client.example.net[198.51.100.3]) - USER lena: Login successful.",
            "(?@203.0.113.5) [WARNING] Authentication failed for user [admin]",
        ),
    ),
    Recogniser(
        "openvpn",
        re.compile(r"openvpn[\w.@-]*|ovpn[\w.@-]*"),
        openvpn,
        (
            "laptop-17/198.51.100.4:50123 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not "
            "enabled)",
            "198.51.100.4:50123 [laptop-17] Peer Connection Initiated with "
            "[AF_INET]198.51.100.4:50123",
            "laptop-17/198.51.100.4:50123 SIGUSR1[soft,connection-reset] received, "
            "client-instance restarting",
            "198.51.100.4:50123 TLS: Username/Password authentication succeeded for username "
            "'jdoe'",
        ),
    ),
    Recogniser(
        "snare",
        None,
        snare,
        (
            "MSWinEventLog\t1\tSecurity\t42\tThu Mar 14 10:00:00 2024\t4624\t"
            "Microsoft-Windows-Security-Auditing\tN/A\tN/A\tSuccess Audit\tPC-0042\tLogon\t\t"
            "An account was successfully logged on.  Subject:  Security ID:  S-1-5-18  "
            "Account Name:  PC-0042$  Account Domain:  ACME  New Logon:  Security ID:  "
            "S-1-5-21-1-2-3-1104  Account Name:  jroe  Account Domain:  ACME  Network "
            "Information:  Workstation Name:  PC-0042  Source Network Address:  10.0.0.5  "
            "Source Port:  51234\t17",
            "MSWinEventLog#0111#011Security#01143#011Thu Mar 14 10:00:00 2024#011540#011"
            "Security#011ACME\\jroe#011User#011Success Audit#011FS-01#011Logon/Logoff#011#011"
            "Successful Network Logon:  User Name: jroe  Domain: ACME  Logon Type: 3  "
            "Workstation Name: PC-0042#011",
        ),
    ),
    Recogniser(
        "systemd-logind",
        re.compile(r"systemd-logind"),
        auth.logind_new_session,
        ("New session 42 of user alice.", "New session c1 of user gdm."),
    ),
    Recogniser(
        "netfilter",
        None,
        netfilter,
        (
            "[12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
            "SRC=198.51.100.7 DST=10.0.0.5 LEN=60 TTL=52 PROTO=TCP SPT=51234 DPT=22 SYN",
            "[wan-lan-default-D]IN=eth0 OUT=eth1 SRC=203.0.113.5 DST=192.168.1.10 LEN=52 "
            "PROTO=TCP SPT=443 DPT=50432",
            "gw01:IN=eth1 OUT= SRC=10.1.1.2 DST=10.1.1.255 LEN=78 PROTO=UDP SPT=137 DPT=137",
        ),
    ),
)
