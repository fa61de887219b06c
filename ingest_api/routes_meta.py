"""The endpoints about the service itself: metrics, the API document and its page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import as_file, files
from pathlib import Path
from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

# Swagger UI's assets come from an installed package and are served by the API itself:
# a CDN leaves the page blank offline, behind a strict proxy, or under a CSP that allows
# only 'self'. swagger-ui-py, not swagger-ui-bundle: the latter ships Swagger UI 4.15,
# which refuses an OpenAPI 3.1 document ("Unable to render this definition").
DOCS_ASSETS: Final = {
    "/docs/swagger-ui.css": "swagger-ui.css",
    "/docs/swagger-ui-bundle.js": "swagger-ui-bundle.js",
}

_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Blueprint Graph ingest API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});
</script>
</body>
</html>
"""


def swagger_ui_file(name: str) -> Path:
    """One file of the installed Swagger UI distribution (a wheel installs it unpacked)."""
    with as_file(files("swagger_ui") / "static" / name) as path:
        return path


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def openapi_json(request: Request) -> Response:
    return JSONResponse(request.state.openapi)


async def docs_page(request: Request) -> Response:
    return HTMLResponse(_DOCS_PAGE)


def docs_asset(name: str) -> Callable[[Request], Awaitable[Response]]:
    """A handler for one asset; an allowlist of exact paths, so no request names a file."""

    async def handler(request: Request) -> Response:
        # Versioned with the package: a day's caching is safe and spares the 1.5 MB bundle.
        return FileResponse(
            swagger_ui_file(name), headers={"Cache-Control": "public, max-age=86400"}
        )

    return handler
