"""The HTTP/Kafka envelope and how an event gets its id."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from shared.core.name_uuid import uuid5_text
from shared.mapping.placeholders import is_placeholder

SourceFormat = Literal["ocsf", "cef", "syslog"]

# Ids derived from an Idempotency-Key header live in their own UUID namespace so the
# same key always yields the same event id, on any replica.
_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b1f6f0e-3f5c-4a59-9a3c-6d1d8b8f6c21")
# Ids derived from an event's own `metadata.uid`, scoped by product, class and content.
_CONTENT_NAMESPACE = uuid.UUID("0d8c4f7e-52a1-4c67-9a59-1f3a8f0e7b42")
MAX_ID_LENGTH = 256
# `metadata` fields that collectors and forwarders set or rewrite as an event passes
# them (OCSF: "when the event was processed", "logged", the chain of loggers): a
# re-sent event differs only in them and is still the same event.
PIPELINE_FIELDS: Final = frozenset(
    {"processed_time", "processed_time_dt", "logged_time", "logged_time_dt", "loggers"}
)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event: dict[str, Any] | str
    source_format: SourceFormat = "ocsf"
    id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)


@dataclass(frozen=True, slots=True)
class EventId:
    value: str
    # True when the client or the event's content chose the id, so a re-send carries it
    # again and may find it stored; False for a fresh UUID, which nothing can repeat.
    named: bool


def resolve_event_id(envelope: Envelope, idempotency_key: str | None) -> EventId:
    """Envelope id, else one from metadata.uid, else a deterministic id from the header,
    else a UUID."""
    if envelope.id is not None:
        return EventId(envelope.id, named=True)
    if isinstance(envelope.event, dict):
        content_id = content_event_id(envelope.event)
        if content_id is not None:
            return EventId(content_id, named=True)
    if idempotency_key:
        return EventId(uuid5_text(_IDEMPOTENCY_NAMESPACE, idempotency_key), named=True)
    return EventId(str(uuid.uuid4()), named=False)


def content_event_id(event: dict[str, Any]) -> str | None:
    """A deterministic id from `metadata.uid`, scoped by product, class and content.

    Vendors reuse ids across records (a Zeek connection uid names its conn, dns and
    http records alike, and a conn logged twice with other ports; a finding is sent
    again with a new state), so the uid alone would swallow different events as
    duplicates. The same record sent again, even with the fields a pipeline rewrites on
    its way (PIPELINE_FIELDS), gets the same id.
    """
    metadata = event.get("metadata")
    if not isinstance(metadata, dict):
        return None
    uid = metadata.get("uid")
    if isinstance(uid, bool) or not isinstance(uid, str | int) or is_placeholder(str(uid)):
        return None
    product = metadata.get("product")
    name = (
        (product.get("name") or product.get("vendor_name")) if isinstance(product, dict) else None
    )
    class_uid = event.get("class_uid")
    if isinstance(class_uid, str) and class_uid.strip().isdecimal():
        class_uid = int(class_uid)  # "3002" and 3002 are one class
    scope = "\x1f".join(
        str(part) for part in (name or "", class_uid, uid, _content_digest(event, class_uid))
    )
    return uuid5_text(_CONTENT_NAMESPACE, scope)


def _content_digest(event: dict[str, Any], class_uid: object) -> str:
    """What the event says, less what a pipeline rewrites on its way; the class as
    placed (`"3002"` is 3002)."""
    metadata = {
        name: value for name, value in event["metadata"].items() if name not in PIPELINE_FIELDS
    }
    content = {**event, "metadata": metadata, "class_uid": class_uid}
    try:
        encoded = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        # Only a dict built in code can fail here (parsed JSON always encodes); its
        # repr still tells two such events apart.
        encoded = repr(sorted(content.items(), key=str)).encode()
    return hashlib.sha256(encoded).hexdigest()
