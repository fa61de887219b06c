"""The OpenAPI document served at /openapi.json, kept beside the routes it describes."""

from __future__ import annotations

from typing import Any, Final

from ingest_api.auth import AuthPolicy

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
        429: "Too many events waiting to be stored; nothing was written, see Retry-After",
        503: "Not stored (Kafka and Neo4j unavailable) or timed out; see Retry-After",
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


_SECURITY_SCHEMES: Final = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key as bearer token"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    # The API reads `?name=` as if the parameter were absent, as HTML forms send it.
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def openapi_document(auth: AuthPolicy | None) -> dict[str, Any]:
    """The document for this configuration: `auth` None means authentication is off."""
    document = _document()
    if auth is not None:
        _add_security(document, auth)
    return document


def _add_security(document: dict[str, Any], auth: AuthPolicy) -> None:
    # Derived from the same policy the middleware enforces, so the two cannot drift.
    document["components"]["securitySchemes"] = _SECURITY_SCHEMES
    unauthorized = _json(_ref("Error"), "Missing or invalid API key")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if auth.requires_key(method.upper(), path):
                operation["security"] = [{name: []} for name in _SECURITY_SCHEMES]
                operation["responses"] = {**operation["responses"], "401": unauthorized}
            else:
                operation["security"] = []


def _document() -> dict[str, Any]:
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
                    "responses": {**accepted, **_errors(400, 413, 415, 422, 429, 503)},
                },
                "get": {
                    "summary": "List stored events, newest first",
                    "parameters": [
                        _query("class_uid", _or_empty({"type": "integer"}), "only this OCSF class"),
                        _query("since", {"type": "string"}, "time >= (RFC 3339 or epoch)"),
                        _query("until", {"type": "string"}, "time < (RFC 3339 or epoch)"),
                        _query("entity", {"type": "string"}, "linked to this entity key"),
                        _query("cursor", {"type": "string"}, "next_cursor of the previous page"),
                        _query(
                            "limit",
                            _or_empty({"type": "integer", "minimum": 1, "maximum": 500}),
                            "page size",
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
                        **_errors(422, 503),
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
                        "422": _json(
                            {"anyOf": [_ref("BatchResult"), _ref("Error")]},
                            "No item was valid (per-item results), or the body is not a batch",
                        ),
                        **_errors(400, 413, 415, 429, 503),
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
                    "responses": {"200": _json(_ref("EventOut"), "The event"), **_errors(404, 503)},
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
