"""OCSF 1.9 events, one per class that 1.9 adds, and a 1.8 flow with `packet_list`:
written for these tests (names and addresses invented), in the shape the schema gives."""

from __future__ import annotations

from typing import Any

_PRODUCT = {"name": "Endpoint Agent", "vendor_name": "Examplesoft"}


def _meta(version: str, uid: str) -> dict[str, Any]:
    return {"version": version, "uid": uid, "product": _PRODUCT}


USER_MANAGEMENT: dict[str, Any] = {
    "class_uid": 3007,
    "category_uid": 3,
    "activity_id": 1,
    "time": 1785484800000,
    "severity_id": 1,
    "metadata": _meta("1.9.0", "um-0001"),
    "actor": {
        "user": {"name": "opsadmin", "uid": "S-1-5-21-1111-2222-3333-1107", "domain": "CORP"}
    },
    "user": {
        "name": "kmoss",
        "uid": "S-1-5-21-1111-2222-3333-2051",
        "domain": "CORP",
        "uid_numeric": 2051,
    },
    "updated_user": {"name": "kmoss", "uid": "S-1-5-21-1111-2222-3333-2051", "domain": "CORP"},
    "src_endpoint": {"ip": "10.20.4.17", "hostname": "admin-ws-3"},
}
ROLE_MANAGEMENT: dict[str, Any] = {
    "class_uid": 3008,
    "category_uid": 3,
    "activity_id": 1,
    "time": 1785484860000,
    "severity_id": 1,
    "metadata": _meta("1.9.0", "rm-0001"),
    "actor": {"user": {"name": "cloud-admin@example.org", "uid": "AIDAEXAMPLE1"}},
    "iam_role": {
        "name": "BillingReader",
        "uid": "arn:aws:iam::123456789012:role/BillingReader",
        "uid_numeric": 77,
    },
    "updated_role": {
        "name": "BillingReader",
        "uid": "arn:aws:iam::123456789012:role/BillingReader",
    },
    "resources": [
        {
            "uid": "arn:aws:s3:::billing-exports",
            "name": "billing-exports",
            "type": "AWS::S3::Bucket",
        }
    ],
    "src_endpoint": {"ip": "198.51.100.23"},
}
CLIPBOARD_ACTIVITY: dict[str, Any] = {
    "class_uid": 1012,
    "category_uid": 1,
    "activity_id": 2,
    "time": 1785484920000,
    "severity_id": 2,
    "metadata": _meta("1.9.0-dev", "cb-0001"),
    "device": {"hostname": "finance-pc-12", "ip": "10.30.1.44"},
    "actor": {"user": {"name": "jlee", "domain": "CORP"}},
    "source_process": {
        "pid": 4312,
        "name": "excel.exe",
        "file": {"path": "C:\\Program Files\\Office\\excel.exe", "name": "excel.exe"},
    },
    "clipboard": {
        "name": "General",
        "contents": [{"mime_type": "text/plain", "string_data": "Q3 numbers"}],
    },
}
DEVICE_POWER_STATE: dict[str, Any] = {
    "class_uid": 1011,
    "category_uid": 1,
    "activity_id": 1,
    "time": 1785484980000,
    "severity_id": 1,
    "metadata": _meta("1.9.0", "ps-0001"),
    "device": {"hostname": "lab-node-7", "ip": "10.40.2.9", "uid": "5f1c2a9e-lab7"},
    "actor": {"user": {"name": "svc-power", "domain": "LAB"}},
}
NEW_CLASSES = (USER_MANAGEMENT, ROLE_MANAGEMENT, CLIPBOARD_ACTIVITY, DEVICE_POWER_STATE)


def flow_with_packets(count: int) -> dict[str, Any]:
    """A 1.8 Network Activity whose `packet_list` holds `count` raw packets."""
    packet = {
        "encoding_id": 1,
        "format_id": 1,
        "sequence_number": 0,
        "start_offset": 0,
        "end_offset": 60,
        "value": "RQAAPAAAQABABgAAwKgBAsCoAQE=",
        "source": "10.50.0.2",
    }
    return {
        "class_uid": 4001,
        "category_uid": 4,
        "activity_id": 6,
        "time": 1785485040000,
        "severity_id": 1,
        "metadata": _meta("1.8.0", "nf-0001"),
        "src_endpoint": {"ip": "10.50.0.2", "port": 51514},
        "dst_endpoint": {"ip": "10.50.0.9", "port": 443},
        "packet_list": [{**packet, "sequence_number": i} for i in range(count)],
    }
