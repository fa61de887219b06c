"""The reads' side of the Neo4j store: the queries, filters, cursors and how a stored
event and its entities are turned back into JSON. Pure but for the query texts."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

GET_EVENT: Final = """
MATCH (ev:Event {id: $id})
OPTIONAL MATCH (ev)-[r]->(n:Entity)
WITH ev, r, n ORDER BY n.key, type(r)
RETURN ev {.*} AS event,
       [x IN collect(CASE WHEN n IS NULL THEN NULL ELSE {relationship: type(r), key: n.key,
            type: n.type, labels: labels(n), properties: n {.*}} END) WHERE x IS NOT NULL] AS entities
"""

LIST_EVENTS: Final = """
CALL () {
  MATCH (ev:Event) WHERE $entity IS NULL RETURN ev
  UNION
  MATCH (:Entity {key: $entity})<--(ev:Event) RETURN ev
}
WITH DISTINCT ev
WHERE ($class_uid IS NULL OR ev.class_uid = $class_uid)
  AND ($since IS NULL OR ev.time >= $since)
  AND ($until IS NULL OR ev.time < $until)
  AND ($after_time IS NULL OR ev.time < $after_time
       OR (ev.time = $after_time AND ev.id < $after_id))
RETURN ev {.*} AS event
ORDER BY ev.time DESC, ev.id DESC
LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class EventFilter:
    class_uid: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(time: datetime, event_id: str) -> str:
    payload = json.dumps([time.isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raises ValueError for anything that is not a cursor this service issued."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        time_text, event_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(time_text), str(event_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("invalid cursor") from exc


def plain(value: Any) -> Any:
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def event_out(props: dict[str, Any]) -> dict[str, Any]:
    out = {k: plain(v) for k, v in props.items() if k != "raw"}
    if "raw" in props:
        out["event"] = json.loads(props["raw"])
    return out


def entity_out(entity: dict[str, Any]) -> dict[str, Any]:
    properties = {
        k: plain(v) for k, v in entity["properties"].items() if not k.startswith("_rank_")
    }
    return {**entity, "properties": properties}
