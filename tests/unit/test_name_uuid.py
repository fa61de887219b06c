"""Ids built from content or an Idempotency-Key must be the ones uuid.uuid5 gave: a re-send
after an upgrade has to find the event it repeats."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from shared.core.name_uuid import uuid5_text

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
