"""Lines per second of the CEF and syslog parsers against `json.loads` of the same event
as OCSF JSON, measured in one run on one core.

    .venv/bin/python -m bench.parsers [--seconds 1.0]

Two rows per format: parsing alone (text to its parts), and the whole mapping to a
GraphEvent (`shared.mapping.to_graph_event`), next to `json.loads` alone and
`json.loads` plus the OCSF mapping. Ratios are against `json.loads` alone.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from shared.mapping.formats.cef import parse_cef
from shared.mapping.formats.syslog import parse_syslog
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)

CEF = (
    "<14>Mar 14 10:00:00 pa-fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2.4|end|TRAFFIC|1|"
    "rt=Mar 14 2024 10:00:00 GMT deviceExternalId=013201001234 src=10.0.0.5 dst=93.184.216.34 "
    "suser=corp\\\\alice cs1Label=Rule cs1=allow-web cs4Label=From Zone cs4=trust "
    "cs5Label=To Zone cs5=untrust spt=51514 dpt=443 proto=tcp act=allow in=1200 out=5400"
)
RFC5424 = (
    '<86>1 2024-03-14T10:00:00.123456+01:00 web-1 sshd 4243 - [origin ip="10.0.0.1"] '
    "\ufeffAccepted publickey for alice from 10.0.0.5 port 50000 ssh2: RSA SHA256:abc"
)
RFC3164 = (
    "<38>Mar 14 09:59:58 web-1 sshd[4242]: Failed password for invalid user admin "
    "from 203.0.113.9 port 52814 ssh2"
)
# The CEF line's content as an OCSF event: what a JSON producer would send instead.
OCSF_JSON = json.dumps(
    {
        "class_uid": 4001,
        "category_uid": 4,
        "severity_id": 2,
        "time": "2024-03-14T10:00:00+00:00",
        "message": "TRAFFIC",
        "action": "allow",
        "metadata": {
            "event_code": "end",
            "product": {"name": "PAN-OS", "vendor_name": "Palo Alto Networks", "version": "10.2.4"},
        },
        "src_endpoint": {"ip": "10.0.0.5", "port": 51514},
        "dst_endpoint": {"ip": "93.184.216.34", "port": 443},
        "actor": {"user": {"name": "corp\\alice"}},
        "device": {"hostname": "pa-fw01"},
        "connection_info": {"protocol_name": "tcp"},
        "traffic": {"bytes_in": 1200, "bytes_out": 5400},
        "unmapped": {"cs1": "allow-web", "cs4": "trust", "cs5": "untrust"},
    }
)


def rate(work: Callable[[], object], seconds: float) -> float:
    """Best of three runs of about `seconds` each, in calls per second."""
    batch = 1
    while True:  # size a batch to ~1/20 of the budget so the clock is read rarely
        start = time.perf_counter()
        for _ in range(batch):
            work()
        if time.perf_counter() - start > seconds / 20:
            break
        batch *= 2
    best = 0.0
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(batch):
                work()
            calls += batch
        best = max(best, calls / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    seconds = parser.parse_args().seconds

    rows: list[tuple[str, Callable[[], object]]] = [
        ("json.loads (OCSF JSON)", lambda: json.loads(OCSF_JSON)),
        ("CEF parse", lambda: parse_cef(CEF, RECEIVED)),
        ("RFC 5424 parse", lambda: parse_syslog(RFC5424, RECEIVED)),
        ("RFC 3164 parse", lambda: parse_syslog(RFC3164, RECEIVED)),
        (
            "json.loads + OCSF mapping",
            lambda: to_graph_event("b", "ocsf", json.loads(OCSF_JSON), RECEIVED),
        ),
        ("CEF to GraphEvent", lambda: to_graph_event("b", "cef", CEF, RECEIVED)),
        ("RFC 5424 to GraphEvent", lambda: to_graph_event("b", "syslog", RFC5424, RECEIVED)),
        ("RFC 3164 to GraphEvent", lambda: to_graph_event("b", "syslog", RFC3164, RECEIVED)),
    ]
    baseline = 0.0
    print(f"{'':28} {'lines/s':>12} {'vs json.loads':>14}")
    for name, work in rows:
        per_second = rate(work, seconds)
        baseline = baseline or per_second
        print(f"{name:28} {per_second:12,.0f} {per_second / baseline:13.2f}x")


if __name__ == "__main__":
    main()
