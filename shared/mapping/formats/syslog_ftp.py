"""FTP servers' log-on lines, read into OCSF Authentication (3002) fields. Pure.

Four families of wording, one regular expression each:

- BSD ftpd and wu-ftpd: `[ANONYMOUS ]FTP LOGIN [REFUSED (why) ]FROM <host> [<ip>], <user>`
  (anonymous log-ons name the password given, not an account), `FTP LOGIN FROM <host>
  as <user>`, `failed login from <host> [<ip>]`;
- vsftpd: `[<user>] OK LOGIN: Client "<ip>"`, `FAIL LOGIN`;
- ProFTPD: `<server> (<host>[<ip>]) - USER <user>: Login successful.`, `USER <user> (Login
  failed): ...`;
- Pure-FTPd: `(<user>@<ip>) [INFO] <user> is now logged in`, `(?@<ip>) [WARNING]
  Authentication failed for user [<user>]`.

The client is `src_endpoint`: its address when the line gives one, else its name.
"""

from __future__ import annotations

import re
from typing import Final

from shared.mapping.formats.draft import OcsfDraft
from shared.mapping.formats.syslog_auth import LOGON, authentication, remote

_BSD: Final = re.compile(
    r"\b(ANONYMOUS )?FTP LOGIN (REFUSED (?:\([^)]*\) )?)?FROM (\S+?)(?: \[([^\]\s]+)\])?"
    r"(?:, (\S+)| as (\S+)|$|\s)",
    re.ASCII,
)
_BSD_FAILED: Final = re.compile(
    r"\b(?:failed login|repeated login failures) from (\S+?)(?: \[([^\]\s]+)\])?(?:[,\s]|$)",
    re.ASCII | re.IGNORECASE,
)
_VSFTPD: Final = re.compile(r"\[([^\]\s]+)\] (OK|FAIL) LOGIN: Client \"([^\"]+)\"", re.ASCII)
_PROFTPD: Final = re.compile(
    r"\(([^\[\s()]*)\[([^\]\s]+)\]\) - USER ([^\s:]+)(: Login successful| \(Login failed\))",
    re.ASCII,
)
_PUREFTPD: Final = re.compile(
    r"\(([^@\s()]*)@([^)\s]+)\) \[\w+\] (?:(\S+) is now logged in"
    r"|Authentication failed for user \[([^\]]+)\])",
    re.ASCII,
)


def ftp_login(msg: str) -> OcsfDraft | None:
    if (match := _BSD.search(msg)) is not None:
        anonymous, refused, host, address, after, named = match.groups()
        user = None if anonymous else named or after
        success, detail = refused is None, "Anonymous FTP login" if anonymous else None
        if refused:
            detail = refused.strip()
    elif (match := _BSD_FAILED.search(msg)) is not None:
        host, address = match.groups()
        user, success, detail = None, False, "failed login"
    elif (match := _VSFTPD.search(msg)) is not None:
        user, verdict, address = match.groups()
        host, success, detail = None, verdict == "OK", None
    elif (match := _PROFTPD.search(msg)) is not None:
        host, address, user, verdict = match.groups()
        success, detail = "successful" in verdict, None
    elif (match := _PUREFTPD.search(msg)) is not None:
        _, address, ok_user, failed_user = match.groups()
        host, user, success, detail = None, ok_user or failed_user, ok_user is not None, None
    else:
        return None
    # The address when given (the name may be a reverse lookup), with the name beside it.
    source = {**remote(host), **remote(address)}
    fields = authentication(LOGON, success, user=user, source=source, detail=detail)
    if "user" not in fields and "src_endpoint" not in fields:
        return None
    return OcsfDraft(fields)
