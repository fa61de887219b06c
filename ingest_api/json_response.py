"""The JSON response of the event endpoints."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """Rendered by orjson: the event endpoints echo whole events, and Starlette's stdlib
    encoder cost more per request than validating the event did."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
