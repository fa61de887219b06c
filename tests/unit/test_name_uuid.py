"""Ids built from content or an Idempotency-Key must be the ones uuid.uuid5 gave: a re-send
after an upgrade has to find the event it repeats."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from shared.core.name_uuid import uuid5_text
from shared.mapping.envelope import Envelope, EventId, content_event_id, resolve_event_id

_NAMESPACES = (
    st.sampled_from([uuid.NAMESPACE_DNS, uuid.NAMESPACE_URL, uuid.UUID(int=0)]) | st.uuids()
)
# Lone surrogates cannot be encoded as UTF-8 (uuid.uuid5 refuses them too).
_NAMES = st.text(st.characters(codec="utf-8"), max_size=300)


@given(_NAMESPACES, _NAMES)
def test_the_text_is_uuid5s(namespace: uuid.UUID, name: str) -> None:
    assert uuid5_text(namespace, name) == str(uuid.uuid5(namespace, name))


def test_a_known_value() -> None:
    # RFC 4122's DNS namespace; the value uuid.uuid5 gives for it.
    assert uuid5_text(uuid.NAMESPACE_DNS, "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d"


def test_event_ids_are_the_ones_earlier_releases_built() -> None:
    # Values from the code before uuid5_text (9f2175b): a re-send after an upgrade must
    # carry the id it was first stored under, or it is stored twice.
    event = {
        "class_uid": 3002,
        "time": 1710410400000,
        "metadata": {
            "uid": "abc-123",
            "product": {"name": "Okta"},
            "version": "1.1.0",
            "logged_time": 1,
            "processed_time": 2,
        },
        "user": {"name": "alice"},
    }
    expected = "7d31cc74-4930-5d7f-8731-f088e47576d9"
    assert content_event_id(event) == expected
    assert content_event_id({**event, "class_uid": "3002"}) == expected
    envelope = Envelope.model_validate({"event": {"class_uid": 3002}})
    assert resolve_event_id(envelope, "client-key-1") == EventId(
        "1f5c77cb-6197-5efd-b60f-599e3829c548", named=True
    )
