"""The HTTP/Kafka envelope and how an event gets its id."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SourceFormat = Literal["ocsf", "cef", "syslog"]

# Ids derived from an Idempotency-Key header live in their own UUID namespace so the
# same key always yields the same event id, on any replica.
_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b1f6f0e-3f5c-4a59-9a3c-6d1d8b8f6c21")
MAX_ID_LENGTH = 256


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event: dict[str, Any] | str
    source_format: SourceFormat = "ocsf"
    id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)


def resolve_event_id(envelope: Envelope, idempotency_key: str | None) -> str:
    """Envelope id, else metadata.uid, else a deterministic id from the header, else a UUID."""
    if envelope.id is not None:
        return envelope.id
    if isinstance(envelope.event, dict):
        metadata = envelope.event.get("metadata")
        if isinstance(metadata, dict):
            uid = metadata.get("uid")
            if isinstance(uid, str) and 0 < len(uid) <= MAX_ID_LENGTH:
                return uid
            if isinstance(uid, int) and not isinstance(uid, bool):
                return str(uid)
    if idempotency_key:
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, idempotency_key))
    return str(uuid.uuid4())
