"""/openapi.json and /docs, the interactive UI, served only when API_DOCS is on.

The UI is Swagger UI from the swagger-ui-py package's own files, at the version
requirements.txt pins: nothing comes from a CDN, so the page works offline and behind a
firewall, and its Content-Security-Policy allows nothing from elsewhere. Its Authorize button
takes a bearer token (`make token` mints one for development).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from quart import Blueprint, Quart, Response, current_app, send_file
from quart_schema import hide
from werkzeug.exceptions import NotFound

from ..http.access import public
from .openapi import document_of

blueprint = Blueprint("_api_docs", __name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        # Swagger UI sets style attributes on its elements as it renders them.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
# The files of Swagger UI the page loads, and their media types.
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
ASSET_CACHING = "public, max-age=86400"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}: API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/start.js"></script>
</body>
</html>
"""
# In a file of its own, not inline: the policy runs no inline script.
START = """window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""


def init_app(app: Quart) -> None:
    """Serve the document and the UI when API_DOCS is on."""
    if app.config["API_DOCS"]:
        app.register_blueprint(blueprint)


def swagger_ui_files() -> Path:
    """Where swagger-ui-py keeps Swagger UI, found without importing the package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install -r requirements.txt")
    return Path(spec.submodule_search_locations[0]) / "static"


DOCUMENT_KEY = f"{__name__}.document"


@blueprint.get("/openapi.json")
@hide
@public
async def openapi() -> Response:
    """The OpenAPI document of the service, generated from its views, once for each set of routes.

    create_app registers every route before the app serves, so the document is built on the
    first request: building it takes milliseconds, many times the cost of sending it. A route
    added later (a test may add one) makes it build anew.
    """
    routes = len(list(current_app.url_map.iter_rules()))
    built: tuple[int, str] | None = current_app.extensions.get(DOCUMENT_KEY)
    if built is None or built[0] != routes:
        schema = document_of(current_app)
        built = (routes, current_app.json.dumps(schema))
        current_app.extensions[DOCUMENT_KEY] = built
    return Response(built[1], content_type="application/json")


@blueprint.get("/docs")
@hide
@public
async def docs() -> Response:
    """The interactive UI, which loads /openapi.json."""
    page = PAGE.format(title=current_app.name)
    return current_app.response_class(
        page,
        content_type="text/html",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )


@blueprint.get("/docs/start.js")
@hide
@public
async def start() -> Response:
    """The script that starts Swagger UI on the page."""
    return current_app.response_class(
        START, content_type="text/javascript", headers={"Cache-Control": ASSET_CACHING}
    )


@blueprint.get("/docs/<name>")
@hide
@public
async def asset(name: str) -> Response:
    """One of Swagger UI's own files."""
    if name not in ASSETS:
        raise NotFound(f"/docs has no file {name}.")
    response = await send_file(swagger_ui_files() / name, mimetype=ASSETS[name])
    response.headers["Cache-Control"] = ASSET_CACHING
    return response
