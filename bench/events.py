"""Deterministic, realistic-looking OCSF events for the benchmarks.

One seed gives the same sequence of events every time. Entities (users, IPs, hosts,
process images, file hashes) are drawn from fixed pools with a Zipf-like law, so a few
are hot (touched by many events, as a domain controller or a scanner is) and most are
cold. The mix of classes roughly follows what a SIEM receives: network flows and
logons dominate, then process and file activity, then findings.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import orjson

# class_uid -> share of the stream
CLASS_MIX: Final[tuple[tuple[int, float], ...]] = (
    (4001, 0.35),  # Network Activity
    (3002, 0.30),  # Authentication
    (1007, 0.15),  # Process Activity
    (1001, 0.12),  # File System Activity
    (2004, 0.08),  # Detection Finding, in the simplified src/dst shape
)
ZIPF_EXPONENT: Final = 1.1
_BASE_TIME: Final = datetime(2024, 3, 14, 8, 0, tzinfo=UTC)
_PRODUCTS: Final = (
    ("Windows Security", "Microsoft"),
    ("Zeek", "Zeek"),
    ("Sysmon", "Microsoft"),
    ("CrowdStrike Falcon", "CrowdStrike"),
    ("Okta", "Okta"),
)
_PROCESS_IMAGES: Final = (
    "svchost.exe", "powershell.exe", "cmd.exe", "explorer.exe", "chrome.exe", "outlook.exe",
    "python3", "bash", "sshd", "nginx", "java", "rundll32.exe", "wmic.exe", "certutil.exe",
    "msedge.exe", "teams.exe", "winword.exe", "excel.exe", "curl", "node",
)  # fmt: skip
_FINDINGS: Final = (
    "Brute force attempt",
    "Suspicious PowerShell download cradle",
    "Lateral movement over SMB",
    "Beaconing to rare domain",
    "Credential dumping",
    "Impossible travel",
)
_PORTS: Final = (443, 80, 53, 22, 445, 3389, 8080, 389, 636, 5985, 123, 25)


class _Zipf:
    """Index in [0, n) with P(k) proportional to 1 / (k + 1) ** s."""

    def __init__(self, n: int, s: float = ZIPF_EXPONENT) -> None:
        self._cumulative = list(itertools.accumulate(1.0 / (k + 1) ** s for k in range(n)))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_left(self._cumulative, rng.random() * self._cumulative[-1])


class EventGenerator:
    """`event(i)` is a pure function of (seed, i); `events(start, n)` iterates it."""

    def __init__(self, seed: int = 42, *, users: int = 2_000, hosts: int = 800) -> None:
        self.seed = seed
        setup = random.Random(seed)
        self._users = [
            (f"S-1-5-21-{setup.randrange(10**9)}-{1000 + k}", f"user{k:04d}", setup.choice(("CORP", "LAB", "OPS")))
            for k in range(users)
        ]  # fmt: skip
        self._hosts = [(f"host-{k:04d}.corp.example", f"dev-{k:05d}") for k in range(hosts)]
        self._internal_ips = [
            f"10.{k // 65536 % 256}.{k // 256 % 256}.{k % 256 or 1}" for k in range(1, 8_001)
        ]
        self._external_ips = [
            f"{setup.randrange(11, 223)}.{setup.randrange(256)}.{setup.randrange(256)}.{setup.randrange(1, 255)}"
            for _ in range(30_000)
        ]  # fmt: skip
        self._hashes = [
            hashlib.sha256(f"{seed}:file:{k}".encode()).hexdigest() for k in range(6_000)
        ]
        self._user_z = _Zipf(len(self._users))
        self._host_z = _Zipf(len(self._hosts))
        self._int_ip_z = _Zipf(len(self._internal_ips))
        self._ext_ip_z = _Zipf(len(self._external_ips))
        self._hash_z = _Zipf(len(self._hashes))
        self._image_z = _Zipf(len(_PROCESS_IMAGES), 0.8)
        self._classes = [c for c, _ in CLASS_MIX]
        self._class_cum = list(itertools.accumulate(w for _, w in CLASS_MIX))

    def event(self, i: int) -> dict[str, Any]:
        rng = random.Random(self.seed * 1_000_003 + i)
        cls = self._classes[bisect.bisect_left(self._class_cum, rng.random() * self._class_cum[-1])]
        when = _BASE_TIME + timedelta(milliseconds=i * 7 + rng.randrange(5))
        uid = f"g{self.seed}-{i:09d}"
        if cls == 4001:
            return self._network(rng, when, uid)
        if cls == 3002:
            return self._authentication(rng, when, uid)
        if cls == 1007:
            return self._process(rng, when, uid)
        if cls == 1001:
            return self._file(rng, when, uid)
        return self._finding(rng, when, uid)

    def events(self, start: int, count: int) -> Iterator[dict[str, Any]]:
        return (self.event(i) for i in range(start, start + count))

    # --- the classes --------------------------------------------------------------

    def _metadata(self, rng: random.Random, uid: str, product: int | None = None) -> dict[str, Any]:
        name, vendor = _PRODUCTS[rng.randrange(len(_PRODUCTS)) if product is None else product]
        return {"uid": uid, "version": "1.1.0", "product": {"name": name, "vendor_name": vendor}}

    def _user(self, rng: random.Random) -> tuple[str, str, str]:
        return self._users[self._user_z.draw(rng)]

    def _host(self, rng: random.Random) -> tuple[str, str]:
        return self._hosts[self._host_z.draw(rng)]

    def _internal_ip(self, rng: random.Random) -> str:
        return self._internal_ips[self._int_ip_z.draw(rng)]

    def _authentication(self, rng: random.Random, when: datetime, uid: str) -> dict[str, Any]:
        sid, name, domain = self._user(rng)
        src_host = self._host(rng)
        dst_host = self._hosts[self._host_z.draw(rng) % 16]  # a handful of DCs / IdPs
        success = rng.random() < 0.9
        return {
            "class_uid": 3002,
            "category_uid": 3,
            "activity_id": 1,
            "time": int(when.timestamp() * 1000),
            "severity_id": 1 if success else 3,
            "status": "Success" if success else "Failure",
            "status_id": 1 if success else 2,
            "message": f"User {name} {'logged on' if success else 'failed to log on'}",
            "metadata": self._metadata(rng, uid, 0 if rng.random() < 0.7 else 4),
            "actor": {"user": {"uid": sid, "name": name, "domain": domain}},
            "user": {"name": name, "domain": domain},
            "src_endpoint": {"ip": self._internal_ip(rng), "hostname": src_host[0]},
            "dst_endpoint": {"ip": self._internal_ips[self._int_ip_z.draw(rng) % 16], "hostname": dst_host[0]},
            "device": {"uid": dst_host[1], "hostname": dst_host[0]},
            "logon_type_id": rng.choice((2, 3, 10)),
        }  # fmt: skip

    def _network(self, rng: random.Random, when: datetime, uid: str) -> dict[str, Any]:
        outbound = rng.random() < 0.6
        dst = self._external_ips[self._ext_ip_z.draw(rng)] if outbound else self._internal_ip(rng)
        return {
            "class_uid": 4001,
            "category_uid": 4,
            "activity_id": rng.choice((1, 2, 6)),
            "time": when.timestamp(),
            "severity_id": 1,
            "metadata": self._metadata(rng, uid, 1),
            "src_endpoint": {"ip": self._internal_ip(rng), "port": rng.randrange(1024, 65535)},
            "dst_endpoint": {"ip": dst, "port": rng.choice(_PORTS)},
            "connection_info": {"protocol_name": rng.choice(("tcp", "udp")), "direction_id": 2 if outbound else 1},
            "traffic": {"bytes_in": rng.randrange(40, 10**6), "bytes_out": rng.randrange(40, 10**5)},
        }  # fmt: skip

    def _process(self, rng: random.Random, when: datetime, uid: str) -> dict[str, Any]:
        hostname, device_uid = self._host(rng)
        image = _PROCESS_IMAGES[self._image_z.draw(rng)]
        _, name, domain = self._user(rng)
        return {
            "class_uid": 1007,
            "category_uid": 1,
            "activity_id": 1,
            "time": when.isoformat().replace("+00:00", "Z"),
            "severity_id": rng.choice((1, 1, 1, 2, 3)),
            "metadata": self._metadata(rng, uid, 2 if rng.random() < 0.6 else 3),
            "device": {"uid": device_uid, "hostname": hostname, "ip": self._internal_ip(rng)},
            "actor": {"user": {"name": name, "domain": domain}},
            "process": {
                "pid": rng.randrange(100, 65535),
                "name": image,
                "cmd_line": f"{image} {'-enc ' if rng.random() < 0.05 else ''}--session {rng.randrange(10**6)}",
                "created_time": int(when.timestamp() * 1000) - rng.randrange(10**4),
            },
        }  # fmt: skip

    def _file(self, rng: random.Random, when: datetime, uid: str) -> dict[str, Any]:
        hostname, device_uid = self._host(rng)
        digest = self._hashes[self._hash_z.draw(rng)]
        name = f"doc{int(digest[:6], 16) % 5000}.{rng.choice(('docx', 'pdf', 'exe', 'dll', 'ps1'))}"
        return {
            "class_uid": 1001,
            "category_uid": 1,
            "activity_id": rng.choice((1, 2, 3, 4)),
            "time": when.isoformat(),
            "severity_id": 1,
            "metadata": self._metadata(rng, uid, 3),
            "device": {"uid": device_uid, "hostname": hostname},
            "file": {
                "path": f"C:\\Users\\Public\\{name}",
                "name": name,
                "hashes": [
                    {"algorithm_id": 3, "algorithm": "SHA-256", "value": digest},
                    {"algorithm_id": 1, "value": hashlib.md5(digest.encode(), usedforsecurity=False).hexdigest()},
                ],
            },
        }  # fmt: skip

    def _finding(self, rng: random.Random, when: datetime, uid: str) -> dict[str, Any]:
        sid, name, _ = self._user(rng)
        src: dict[str, Any]
        if rng.random() < 0.5:
            src = {"type": "IP", "ip": self._external_ips[self._ext_ip_z.draw(rng)]}
        else:
            src = {"type": "User", "id": sid, "name": name}
        hostname, _ = self._host(rng)
        return {
            "class_uid": 2004,
            "time": when.isoformat().replace("+00:00", "Z"),
            "severity_id": rng.choice((3, 4, 5)),
            "message": rng.choice(_FINDINGS),
            "metadata": self._metadata(rng, uid, 3),
            "src": src,
            "dst": {"type": "Host", "hostname": hostname, "ip": self._internal_ip(rng)},
        }


def envelope_bytes(event_id: str, event_json: bytes) -> bytes:
    """One POST /events body, built from an already serialized event (cheap on the client)."""
    return b'{"id":"' + event_id.encode() + b'","source_format":"ocsf","event":' + event_json + b"}"


def batch_bytes(event_ids: Sequence[str], event_jsons: Sequence[bytes]) -> bytes:
    return (
        b"["
        + b",".join(envelope_bytes(i, e) for i, e in zip(event_ids, event_jsons, strict=True))
        + b"]"
    )


def serialized_pool(seed: int, size: int) -> list[bytes]:
    generator = EventGenerator(seed)
    return [orjson.dumps(e) for e in generator.events(0, size)]
