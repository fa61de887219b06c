"""Real-world-shaped events shared by the tests."""

from __future__ import annotations

from typing import Any

# The curl example of the original docs.
DOCS_EXAMPLE: dict[str, Any] = {
    "event": {
        "class_uid": "1001",
        "time": "2024-03-14T10:00:00Z",
        "severity_id": 4,
        "message": "Failed login",
        "src": {"type": "User", "id": "user123", "name": "john.doe"},
    },
    "source_format": "ocsf",
}


def ocsf_authentication(
    uid: str, src_ip: str = "10.0.0.5", when: int = 1710410400000
) -> dict[str, Any]:
    """An OCSF 1.x Authentication (3002) logon, time in epoch milliseconds."""
    return {
        "class_uid": 3002,
        "category_uid": 3,
        "activity_id": 1,
        "time": when,
        "severity_id": 1,
        "status": "Success",
        "status_id": 1,
        "message": "User alice logged on",
        "metadata": {
            "uid": uid,
            "version": "1.1.0",
            "product": {"name": "Windows Security", "vendor_name": "Microsoft"},
        },
        "actor": {"user": {"uid": "S-1-5-21-1004", "name": "alice", "domain": "CORP"}},
        "user": {"name": "alice", "domain": "CORP"},
        "src_endpoint": {"ip": src_ip, "hostname": "laptop-7"},
        "dst_endpoint": {"ip": "10.0.0.10", "hostname": "dc01.corp.example"},
        "device": {"uid": "dev-dc01", "hostname": "dc01.corp.example"},
    }


def ocsf_network_activity(
    uid: str, src_ip: str = "10.0.0.5", when: float = 1710410460.5
) -> dict[str, Any]:
    """An OCSF 1.x Network Activity (4001) flow, time in epoch seconds as Zeek sends it."""
    return {
        "class_uid": "4001",
        "activity_id": 6,
        "time": when,
        "severity_id": 1,
        "metadata": {"uid": uid, "product": {"name": "Zeek"}},
        "src_endpoint": {"ip": src_ip, "port": 51514},
        "dst_endpoint": {"ip": "93.184.216.34", "port": 443},
    }
