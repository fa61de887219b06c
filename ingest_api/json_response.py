"""The JSON responses of the API."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, Response


class FastJSONResponse(JSONResponse):
    """Rendered by orjson: the event endpoints echo whole events, and Starlette's stdlib
    encoder cost more per request than validating the event did."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ModelResponse(Response):
    """A response body model, serialized by pydantic-core (fields left unset are left out)."""

    media_type = "application/json"

    def __init__(
        self,
        model: BaseModel,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(model, status_code, headers, self.media_type, background)

    def render(self, content: Any) -> bytes:
        assert isinstance(content, BaseModel)
        return content.__pydantic_serializer__.to_json(content, exclude_unset=True)
