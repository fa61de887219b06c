"""Request and response bodies of the HTTP API; the OpenAPI schemas are generated from these."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, SkipValidation
from typing_extensions import TypedDict

from ingest_api.dispatch import Route

MAX_PAGE = 500
DEFAULT_PAGE = 50
MAX_CLASS_UID = 999_999

# The event as the client sent it: echoed back, never re-validated on the way out.
AsSent = SkipValidation[dict[str, Any] | str]


class ProblemDetail(BaseModel):
    loc: list[str | int] = Field(description="Path of the offending field")
    msg: str


class Problem(BaseModel):
    error: str = Field(description="Machine-readable kind, e.g. invalid_event")
    message: str
    detail: list[ProblemDetail] | None = None


# The answers to POST /events and /events/batch are TypedDicts: mypy checks the dicts the
# handlers build against them, pydantic generates their schemas, and orjson renders them.
# Constructing and serializing models cost ten times as much per item, measured on a
# 500-event batch (14 ms against 1.5 ms), on the path that carries the traffic.


class DroppedField(TypedDict):
    path: Annotated[str, Field(description="The optional field left out of the graph")]
    reason: str


_DUPLICATE = (
    "true: an event with this id (from the envelope id, metadata.uid or Idempotency-Key) "
    "was already stored and nothing changed; null: unknown (Neo4j did not answer)"
)
Duplicate = Annotated[bool | None, Field(description=_DUPLICATE)]


_DROPPED = (
    "The optional fields left out of the graph (direct write, 201). null through Kafka "
    "(202): graph_writer maps the event and stores the list on the Event as `dropped`; "
    "POST /events/preview answers it before sending"
)
Dropped = Annotated[list[DroppedField] | None, Field(description=_DROPPED)]


class OcsfSchemaUsed(TypedDict):
    declared: Annotated[str | None, Field(description="metadata.version as sent; null if none")]
    used: Annotated[
        str, Field(description="The OCSF schema the event is mapped with, e.g. 1.8.0, 1.9.0-dev")
    ]
    note: Annotated[
        str | None,
        Field(
            description="Why `used` differs from `declared`: a version newer than every known "
            "one (mapped with the newest), a pre-release snapshot, no such version; null when "
            "the declared version is the one used, or none was declared"
        ),
    ]


_SCHEMA_USED = (
    "Which OCSF schema maps the event (graph_writer maps a Kafka event with the same tables, "
    "unless it runs other code); the Event stores it as `ocsf_version`"
)
SchemaUsed = Annotated[OcsfSchemaUsed, Field(description=_SCHEMA_USED)]


class StoredEvent(TypedDict):
    id: str
    event: AsSent
    dropped: Dropped
    duplicate: Duplicate
    ocsf_schema: SchemaUsed


class BatchItemAccepted(TypedDict):
    index: int
    status: Literal["accepted"]
    id: str
    dropped: Dropped
    duplicate: Duplicate
    ocsf_schema: SchemaUsed


class PreviewEntity(TypedDict):
    relationship: Annotated[str, Field(description="Type of the Event's relationship to it")]
    key: str
    type: str
    labels: list[str]
    properties: Annotated[
        dict[str, Any], Field(description="Attributes this event gives it (no counters)")
    ]


class PreviewAssociation(TypedDict):
    a: Annotated[str, Field(description="Entity key; a < b")]
    b: str


class EventPreview(TypedDict):
    id: str
    properties: Annotated[
        dict[str, Any], Field(description="The Event node's properties (the raw event aside)")
    ]
    entities: Annotated[list[PreviewEntity], Field(description="One per relationship, by key")]
    associations: list[PreviewAssociation]
    dropped: list[DroppedField]
    ocsf_schema: SchemaUsed


class ProblemDetailDict(TypedDict):
    loc: list[str | int]
    msg: str


class BatchItemRejected(TypedDict):
    index: int
    status: Literal["rejected"]
    detail: list[ProblemDetailDict]


class BatchAnswer(TypedDict):
    accepted: int
    rejected: int
    route: NotRequired[Annotated[Route, Field(description="Absent when nothing was stored")]]
    results: list[BatchItemAccepted | BatchItemRejected]


class LinkedEntity(BaseModel):
    relationship: str
    key: str
    type: str
    labels: list[str]
    properties: dict[str, Any]


class EventOut(BaseModel):
    """A stored event: its graph properties, the event as received, its entities."""

    model_config = ConfigDict(extra="allow")

    id: str
    event: AsSent | None = Field(default=None, description="The event as received")
    entities: list[LinkedEntity] | None = Field(
        default=None, description="Linked entities (GET /events/{event_id} only)"
    )


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class EventQuery(BaseModel):
    """The query of GET /events. An empty value (`?limit=`) counts as absent."""

    class_uid: Annotated[int, Field(ge=0, le=MAX_CLASS_UID)] | Literal[""] = Field(
        default="", description="Only this OCSF class"
    )
    since: str = Field(default="", description="time >= (RFC 3339 or epoch)")
    until: str = Field(default="", description="time < (RFC 3339 or epoch)")
    entity: str = Field(default="", description="Linked to this entity key")
    cursor: str = Field(default="", description="next_cursor of the previous page")
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] | Literal[""] = Field(
        default="", description=f"Page size (default {DEFAULT_PAGE})"
    )


class IngestHeaders(BaseModel):
    idempotency_key: str = Field(
        default="",
        alias="Idempotency-Key",
        description="Derives a deterministic event id when the event carries none",
    )


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    mode: Literal["kafka", "direct"]
    kafka: bool
    neo4j: bool | None = Field(description="null when not checked (Kafka is up)")


class KafkaHealth(BaseModel):
    status: Literal["healthy", "unhealthy", "disabled"]
    bootstrap_servers: str
    topic: str


class Neo4jHealth(BaseModel):
    status: Literal["healthy", "unhealthy"]
    uri: str
    database: str
