"""The answer of POST /events/preview: the graph an event would become. Pure."""

from __future__ import annotations

from ingest_api.schemas import (
    DroppedField,
    EventPreview,
    OcsfSchemaUsed,
    PreviewAssociation,
    PreviewEntity,
)
from shared.mapping.graph_model import GraphEvent
from shared.neo4j_store.write_plan import event_rows


def event_preview(event: GraphEvent, schema_used: OcsfSchemaUsed) -> EventPreview:
    """What the write would create for this event alone, in the shape GET /events/{id}
    answers: the Event's properties from the same rows the write sends (so a property
    the write adds shows here too), each link to an entity, the associated pairs."""
    row = event_rows([event])[0]
    properties = {name: value for name, value in row["props"].items() if name != "raw"}
    properties.update(id=row["id"], time=row["time"], received_at=row["received_at"])
    entities = [
        PreviewEntity(
            relationship=link.rel,
            key=link.entity.key,
            type=link.entity.type,
            labels=["Entity", link.entity.label] if link.entity.label else ["Entity"],
            properties=dict(link.entity.attrs),
        )
        for link in sorted(event.links, key=lambda link: (link.entity.key, link.rel))
    ]
    return EventPreview(
        id=event.id,
        properties=properties,
        entities=entities,
        associations=[PreviewAssociation(a=a, b=b) for a, b in event.associations],
        dropped=[DroppedField(path=d.path, reason=d.reason) for d in event.dropped],
        ocsf_schema=schema_used,
    )
