"""The endpoints about the service itself: metrics, the API document and its page."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

# Swagger UI from its CDN: the users' browsers have internet, the service ships no assets.
_SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
_DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Blueprint Graph ingest API</title>
<link rel="stylesheet" href="{_SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_SWAGGER_UI}/swagger-ui-bundle.js" crossorigin="anonymous"></script>
<script>
window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});
</script>
</body>
</html>
"""


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def openapi_json(request: Request) -> Response:
    return JSONResponse(request.state.openapi)


async def docs_page(request: Request) -> Response:
    return HTMLResponse(_DOCS_PAGE)
