"""Event identity: a re-send gets its id again; two different events never share one."""

from __future__ import annotations

from typing import Any

from shared.mapping.envelope import Envelope, resolve_event_id


def _id(event: dict[str, Any], key: str | None = None, **envelope: Any) -> tuple[str, bool]:
    resolved = resolve_event_id(Envelope(event=event, **envelope), key)
    return resolved.value, resolved.named


ZEEK = {"class_uid": 4001, "metadata": {"uid": "CHhAvVGS1DHFjwGM9", "product": {"name": "Zeek"}}}


def test_metadata_uid_is_scoped_by_product_and_class() -> None:
    conn, named = _id(ZEEK)
    assert named
    assert _id(dict(ZEEK))[0] == conn
    assert _id({**ZEEK, "class_uid": "4001"})[0] == conn  # "4001" and 4001 are one class
    assert _id({**ZEEK, "class_uid": 4003})[0] != conn
    other_product = {
        **ZEEK,
        "metadata": {"uid": "CHhAvVGS1DHFjwGM9", "product": {"name": "Suricata"}},
    }
    assert _id(other_product)[0] != conn


def test_the_envelope_id_and_the_idempotency_key_are_named() -> None:
    assert _id(ZEEK, id="client-1") == ("client-1", True)
    first = _id({"class_uid": 1}, "key-1")
    assert first == _id({"class_uid": 1}, "key-1")
    assert first[1]


def test_a_placeholder_uid_names_nothing() -> None:
    event = {"class_uid": 1, "metadata": {"uid": "-"}}
    first, named = _id(event)
    assert not named
    assert _id(event)[0] != first


def test_a_different_event_with_the_same_uid_product_and_class_gets_its_own_id() -> None:
    conn = {**ZEEK, "src_endpoint": {"ip": "10.0.0.5", "port": 51514}}
    again_other_ports = {**ZEEK, "src_endpoint": {"ip": "10.0.0.5", "port": 51999}}
    assert _id(conn)[0] != _id(again_other_ports)[0]
    finding = {"class_uid": 2004, "metadata": {"uid": "f-1", "product": {"name": "GuardDuty"}}}
    assert _id({**finding, "status_id": 1})[0] != _id({**finding, "status_id": 2})[0]


def test_a_resend_that_differs_only_in_pipeline_fields_is_the_same_event() -> None:
    sent = {
        **ZEEK,
        "metadata": {**ZEEK["metadata"], "processed_time": 1, "logged_time": 2},  # type: ignore[dict-item]
    }
    forwarded = {
        **ZEEK,
        "metadata": {
            **ZEEK["metadata"],  # type: ignore[dict-item]
            "processed_time": 99,
            "processed_time_dt": "2024-03-14T10:00:00Z",
            "logged_time": 98,
            "loggers": [{"name": "fluent-bit"}],
        },
    }
    assert _id(sent)[0] == _id(forwarded)[0] == _id(ZEEK)[0]
    assert _id({**ZEEK, "metadata": {**ZEEK["metadata"], "version": "1.1.0"}})[0] != _id(ZEEK)[0]  # type: ignore[dict-item]


def test_key_order_does_not_make_another_event() -> None:
    one = {"class_uid": 4001, "metadata": {"uid": "u", "product": {"name": "p"}}, "a": 1, "b": 2}
    other = {"b": 2, "a": 1, "metadata": {"product": {"name": "p"}, "uid": "u"}, "class_uid": 4001}
    assert _id(one)[0] == _id(other)[0]
