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
