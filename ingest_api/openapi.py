"""The OpenAPI document served at /openapi.json, kept beside the routes it describes."""

from __future__ import annotations

from typing import Any, Final

_ERROR: Final = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Malformed JSON",
        404: "Not found",
        413: "Body or batch too large",
        415: "Wrong content type",
        422: "Invalid event or query (detail gives the field path)",
        503: "Neither Kafka nor Neo4j could store the event; see Retry-After",
    }
    return {str(c): _json(_ref("Error"), text[c]) for c in codes}


_ENVELOPE: Final = {
    "type": "object",
    "required": ["event"],
    "additionalProperties": False,
    "properties": {
        "event": {
            "description": "OCSF event object (simplified or OCSF 1.x); `class_uid` is required",
            "oneOf": [{"type": "object"}, {"type": "string"}],
        },
        "source_format": {"type": "string", "enum": ["ocsf", "cef", "syslog"], "default": "ocsf"},
        "id": {"type": "string", "minLength": 1, "maxLength": 256},
    },
}

_STORED: Final = {
    "type": "object",
    "required": ["id", "event"],
    "properties": {"id": {"type": "string"}, "event": {}},
}

_BATCH_RESULT: Final = {
    "type": "object",
    "required": ["accepted", "rejected", "results"],
    "properties": {
        "accepted": {"type": "integer"},
        "rejected": {"type": "integer"},
        "route": {"type": "string", "enum": ["kafka", "direct"]},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "status"],
                "properties": {
                    "index": {"type": "integer"},
                    "status": {"type": "string", "enum": ["accepted", "rejected"]},
                    "id": {"type": "string"},
                    "detail": {"type": "array"},
                },
            },
        },
    },
}

_EVENT_OUT: Final = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "class_uid": {"type": "integer"},
        "time": {"type": "string"},
        "received_at": {"type": "string"},
        "message": {"type": "string"},
        "event": {"type": "object", "description": "the event as received"},
        "entities": {"type": "array", "items": {"type": "object"}},
    },
}

_HEALTH: Final = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}},
}

_IDEMPOTENCY_KEY: Final = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "Used to derive a deterministic event id when the event carries none",
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def openapi_document() -> dict[str, Any]:
    accepted = {
        "201": _json(_ref("StoredEvent"), "Written directly to Neo4j (direct mode or fallback)"),
        "202": _json(_ref("StoredEvent"), "Acknowledged by Kafka (acks=all)"),
    }
    batch_ok = {
        "201": _json(_ref("BatchResult"), "Accepted items written directly to Neo4j"),
        "202": _json(_ref("BatchResult"), "Accepted items acknowledged by Kafka"),
    }
    health = {"200": _json(_ref("Health"), "Healthy"), "503": _json(_ref("Health"), "Unhealthy")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Blueprint Graph ingest API", "version": "0.1.0"},
        "paths": {
            "/events": {
                "post": {
                    "summary": "Ingest one event",
                    "parameters": [_IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Envelope")}},
                    },
                    "responses": {**accepted, **_errors(400, 413, 415, 422, 503)},
                },
                "get": {
                    "summary": "List stored events, newest first",
                    "parameters": [
                        _query("class_uid", {"type": "integer"}, "only this OCSF class"),
                        _query("since", {"type": "string"}, "time >= (RFC 3339 or epoch)"),
                        _query("until", {"type": "string"}, "time < (RFC 3339 or epoch)"),
                        _query("entity", {"type": "string"}, "linked to this entity key"),
                        _query("cursor", {"type": "string"}, "next_cursor of the previous page"),
                        _query(
                            "limit", {"type": "integer", "minimum": 1, "maximum": 500}, "page size"
                        ),
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["items", "next_cursor"],
                                "properties": {
                                    "items": {"type": "array", "items": _ref("EventOut")},
                                    "next_cursor": {"type": ["string", "null"]},
                                },
                            },
                            "A page of events",
                        ),
                        **_errors(422),
                    },
                },
            },
            "/events/batch": {
                "post": {
                    "summary": "Ingest many events (JSON array or NDJSON), with per-item results",
                    "parameters": [_IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": _ref("Envelope")}
                            },
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        },
                    },
                    "responses": {
                        **batch_ok,
                        "422": _json(_ref("BatchResult"), "No item was valid"),
                        **{k: v for k, v in _errors(400, 413, 415, 503).items()},
                    },
                },
            },
            "/events/{event_id}": {
                "get": {
                    "summary": "One event with its linked entities",
                    "parameters": [
                        {
                            "name": "event_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": _json(_ref("EventOut"), "The event"), **_errors(404)},
                }
            },
            "/health": {
                "get": {"summary": "Liveness", "responses": {"200": _json(_ref("Health"), "Alive")}}
            },
            "/health/ready": {"get": {"summary": "Able to accept writes", "responses": health}},
            "/health/kafka": {"get": {"summary": "Kafka producer state", "responses": health}},
            "/health/neo4j": {"get": {"summary": "Neo4j connectivity", "responses": health}},
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {
                        "200": {
                            "description": "Prometheus text format",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Envelope": _ENVELOPE,
                "StoredEvent": _STORED,
                "BatchResult": _BATCH_RESULT,
                "EventOut": _EVENT_OUT,
                "Health": _HEALTH,
                "Error": _ERROR,
            }
        },
    }
