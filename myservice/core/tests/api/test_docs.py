"""/docs: Swagger UI from the package's own files, under a policy that loads nothing from elsewhere."""

from __future__ import annotations

import re

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from ...api import openapi
from ...api.docs import ASSETS, swagger_ui_files
from ...http.access import public
from ..plumbing import create_app


async def test_docs_serves_a_page_that_starts_the_ui_on_the_served_document(client: Client) -> None:
    """/docs is HTML that loads Swagger UI and a start script pointing it at openapi.json."""
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = await response.get_data(as_text=True)
    assert '<script src="docs/swagger-ui-bundle.js"></script>' in page
    assert '<script src="docs/start.js"></script>' in page
    start = await client.get("/docs/start.js")
    assert start.mimetype == "text/javascript"
    assert 'url: "openapi.json"' in await start.get_data(as_text=True)


async def test_the_page_and_its_script_name_no_other_site(client: Client) -> None:
    """Nothing the page loads comes from a CDN: every URL in it is relative to the service."""
    for path in ("/docs", "/docs/start.js"):
        text = await (await client.get(path)).get_data(as_text=True)
        assert re.findall(r"(?:https?:)?//[\w.-]+", text) == []


async def test_the_page_allows_scripts_and_requests_of_the_service_only(client: Client) -> None:
    """The Content-Security-Policy of /docs runs no inline script and connects nowhere else."""
    policy = (await client.get("/docs")).headers["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(("name", "mimetype"), sorted(ASSETS.items()))
async def test_each_file_of_swagger_ui_is_served_from_the_package(
    client: Client, name: str, mimetype: str
) -> None:
    """The UI's files are the package's bytes, with their type, and cacheable for a day."""
    response = await client.get(f"/docs/{name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert await response.get_data() == (swagger_ui_files() / name).read_bytes()


async def test_a_file_the_ui_does_not_have_is_a_404_problem(client: Client) -> None:
    """/docs/<anything else> answers 404 as a problem, never a file outside Swagger UI's."""
    for name in ("index.html", "..%2Fsetup.py", "swagger-ui.js.map"):
        response = await client.get(f"/docs/{name}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


async def test_the_docs_need_no_token(client: Client) -> None:
    """The page, its files and the document are public: a reader signs in with Authorize."""
    for path in ("/docs", "/docs/start.js", "/docs/swagger-ui.css", "/openapi.json"):
        assert (await client.get(path)).status_code == 200


async def test_api_docs_off_serves_neither_document_nor_ui() -> None:
    """With API_DOCS false the document, the page and its files answer 404; the rest serves."""
    client = create_app({"TESTING": True, "API_DOCS": False}).test_client()
    for path in ("/openapi.json", "/docs", "/docs/swagger-ui.css"):
        assert (await client.get(path)).status_code == 404
    assert (await client.get("/livez")).status_code == 200


async def test_the_document_is_built_once_and_served_the_same_each_time(
    app: Quart, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request is answered from the first's document, byte for byte."""
    provider = app.extensions[openapi.EXTENSION_KEY]
    built: list[int] = []
    schema = provider.schema

    def counted() -> dict[str, object]:
        built.append(1)
        return schema()  # type: ignore[no-any-return]

    monkeypatch.setattr(provider, "schema", counted)
    first, second = await client.get("/openapi.json"), await client.get("/openapi.json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content_type == "application/json"
    assert await first.get_data() == await second.get_data()
    assert (await second.get_json())["openapi"].startswith("3.")
    assert built == [1]


async def test_a_route_added_later_is_in_the_document(app: Quart, client: Client) -> None:
    """A route registered after the document was first served appears in the next one."""
    assert "/_later" not in (await (await client.get("/openapi.json")).get_json())["paths"]

    @app.get("/_later")
    @public
    async def later() -> dict[str, str]:
        """Added after the first request."""
        return {}

    assert "/_later" in (await (await client.get("/openapi.json")).get_json())["paths"]
