"""The OpenAPI document, generated from the route table and the pydantic models it names."""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from pydantic import BaseModel, TypeAdapter
from typing_extensions import is_typeddict

from ingest_api.auth import AuthPolicy
from ingest_api.routes import Body, Operation
from ingest_api.schemas import Problem

REF: Final = "#/components/schemas/{model}"
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

SECURITY_SCHEMES: Final = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key as bearer token"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}

Mode = Literal["validation", "serialization"]


def openapi_document(operations: tuple[Operation, ...], auth: AuthPolicy | None) -> dict[str, Any]:
    """The document for this configuration: `auth` None means authentication is off."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        if op.in_schema:
            path = _PARAM.sub(r"{\1}", op.path)
            paths.setdefault(path, {})[op.method.lower()] = _operation(op, auth, schemas)
    components: dict[str, Any] = {"schemas": dict(sorted(schemas.items()))}
    if auth is not None:
        components["securitySchemes"] = SECURITY_SCHEMES
    return {
        "openapi": "3.1.0",
        "info": {"title": "Blueprint Graph ingest API", "version": "0.1.0"},
        "paths": paths,
        "components": components,
    }


def schema_of(python_type: Any, mode: Mode, schemas: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of a type; the models it names go to `schemas`, referenced by name."""
    schema = TypeAdapter(python_type).json_schema(ref_template=REF, mode=mode)
    schemas.update(schema.pop("$defs", {}))
    if _named(python_type):
        schemas[python_type.__name__] = schema
        return {"$ref": REF.format(model=python_type.__name__)}
    return schema


def _named(python_type: Any) -> bool:
    """A model or TypedDict, which gets a component of its own rather than an inline schema."""
    if isinstance(python_type, type) and issubclass(python_type, BaseModel):
        return True
    return is_typeddict(python_type)


def _operation(op: Operation, auth: AuthPolicy | None, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": op.summary}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(op.path)
    ]
    if op.query is not None:
        parameters += _parameters(op.query, "query")
    if op.headers is not None:
        parameters += _parameters(op.headers, "header")
    if parameters:
        operation["parameters"] = parameters
    if op.request:
        content = {
            media: {"schema": schema_of(python_type, "validation", schemas)}
            for media, python_type in op.request.items()
        }
        operation["requestBody"] = {"required": True, "content": content}
    responses = {str(code): _response(body, schemas) for code, body in op.responses.items()}
    if auth is not None:
        if auth.needs_key(op.access):
            operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
            responses["401"] = _response(Body("Missing or invalid API key", Problem), schemas)
        else:
            operation["security"] = []
    operation["responses"] = responses
    return operation


def _response(body: Body, schemas: dict[str, Any]) -> dict[str, Any]:
    schema = schema_of(body.type, "serialization", schemas) if body.type else {"type": "string"}
    return {"description": body.description, "content": {body.media_type: {"schema": schema}}}


def _parameters(model: type[BaseModel], location: str) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = dict(field_schema)
        description = field_schema.pop("description", "")
        field_schema.pop("title", None)
        parameters.append(
            {
                "name": name,
                "in": location,
                "required": name in required,
                "description": description,
                "schema": field_schema,
            }
        )
    return parameters
