"""/docs in a real browser: Swagger UI renders offline under its CSP, and Authorize works.

Debian's chromium drives the page the production server (`make serve`) answers on 127.0.0.1.
Every request to anywhere else is blocked and recorded, and the tests assert there was none:
the UI comes whole from the service, nothing from a CDN. The app is the skeleton's plumbing with
a stand-in public route and one protected route, served as in every test, so that the
development key, which the tests mint tokens with, opens it. CHROMIUM may name another build of
Chromium, such as the Google Chrome of a CI runner.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    ConsoleMessage,
    Error,
    Locator,
    Page,
    Request,
    Route,
    expect,
    sync_playwright,
)

from ...callers.development_key import development_key, mint_token
from ...identity import SERVICE
from ...testing.live_server import LiveServer
from ...testing.service import start_service

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
PROTECTED = "/_browser/items"
SCOPE = "items:read"
# Milliseconds any one step of the page may take: seconds on a slow machine, not minutes.
STEP_TIMEOUT = 5_000
LAUNCH_TIMEOUT = 15_000
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# A views package of the test's own, found by discovery as a team's is.
VIEW = f'''
from quart import Blueprint

from {SERVICE}.core import Model, requires, validate_response

blueprint = Blueprint("_browser_items", __name__)


class Items(Model):
    """The names of the items."""

    names: list[str]


@blueprint.get("{PROTECTED}")
@requires("{SCOPE}")
@validate_response(Items)
async def list_items() -> Items:
    """The items, for a caller whose token grants {SCOPE}."""
    return Items(names=["one"])
'''
# The factory the server runs: the plumbing, the stand-in public view and the views above. It
# only imports: the supervisor and each worker call it.
FACTORY = f"""
from dataclasses import replace

from {SERVICE}.app import SERVICE
from {SERVICE}.core import create_service_app
from {SERVICE}.core.tests.plumbing import NO_TABLES, stand_in

import browser_views


def create_app():
    app = create_service_app(replace(SERVICE, views=browser_views, data=NO_TABLES))
    app.register_blueprint(stand_in)
    return app
"""
# Recorded by the page itself: a violation the policy reports, whether or not it is logged.
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory served from: the factory, the views, and the development key once made."""
    directory = tmp_path_factory.mktemp("browser")
    views = directory / "browser_views"
    views.mkdir()
    (views / "__init__.py").write_text("")
    (views / "items.py").write_text(VIEW)
    (directory / "browser_app.py").write_text(FACTORY)
    return directory


@pytest.fixture(scope="module")
def server(directory: Path) -> Iterator[LiveServer]:
    """The production server on the test app, shared by this module's tests."""
    server = start_service(directory, factory="browser_app:create_app")
    yield server
    server.stop(signal.SIGTERM)


@pytest.fixture(scope="module")
def document(server: LiveServer) -> dict[str, Any]:
    """The OpenAPI document the server serves."""
    status, _, body = server.get("/openapi.json")
    assert status == 200
    parsed: dict[str, Any] = json.loads(body)
    return parsed


@dataclass
class Watch:
    """What the page did: the policy it ran under, its errors, the requests it sent elsewhere."""

    origin: str
    policy: str = ""
    elsewhere: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        """Let a request to the server through; block and record one to anywhere else."""
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort("internetdisconnected")

    def console(self, message: ConsoleMessage) -> None:
        """Record a message the page logged as an error."""
        if message.type == "error":
            self.console_errors.append(message.text)

    def page_error(self, error: Error) -> None:
        """Record an exception the page's scripts did not catch."""
        self.page_errors.append(str(error))


def chromium() -> str:
    """Debian's chromium, or CHROMIUM; the test fails, never skips, on a machine without it."""
    found = (
        os.environ.get("CHROMIUM")
        or shutil.which("chromium")
        or (CHROMIUM if Path(CHROMIUM).exists() else None)
    )
    if found is None:
        pytest.fail(
            "the browser tests drive Debian's chromium, which is not installed:"
            " apt-get install chromium"
        )
    return found


@contextmanager
def docs_page(server: LiveServer) -> Iterator[tuple[Page, Watch]]:
    """/docs open in a fresh headless chromium that can reach the server and nothing else."""
    origin = f"http://127.0.0.1:{server.port}"
    watch = Watch(origin)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(),
            timeout=LAUNCH_TIMEOUT,
            # Offline below the page too: no name resolves, so nothing leaves the machine.
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        try:
            context = browser.new_context(base_url=origin, service_workers="block")
            context.set_default_timeout(STEP_TIMEOUT)
            context.route("**/*", watch.route)
            context.add_init_script(WATCH_CSP)
            page = context.new_page()
            page.on("console", watch.console)
            page.on("pageerror", watch.page_error)
            response = page.goto("/docs", wait_until="load")
            assert response is not None
            assert response.status == 200
            watch.policy = response.headers.get("content-security-policy", "")
            page.locator(".swagger-ui .opblock").first.wait_for()
            yield page, watch
            assert watch.elsewhere == [], "the page asked for something not on the server"
            assert csp_violations(page) == []
            assert watch.page_errors == []
        finally:
            browser.close()


def csp_violations(page: Page) -> list[str]:
    """The violations of the Content-Security-Policy the page has seen so far."""
    violations: list[str] = page.evaluate("window.cspViolations")
    return violations


def operations(document: dict[str, Any]) -> list[str]:
    """Each operation of the document, as `METHOD /path`, sorted."""
    return sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    )


def shown_operations(page: Page) -> list[str]:
    """Each operation the page lists, as `METHOD /path`, sorted."""
    summaries = page.locator(".opblock .opblock-summary")
    return sorted(
        f"{summary.locator('.opblock-summary-method').inner_text()}"
        f" {summary.locator('[data-path]').get_attribute('data-path')}"
        for summary in summaries.all()
    )


def execute(page: Page, operation: Locator, expected: str) -> Request:
    """Execute the operation, its Try it out on; wait for the UI to show `expected`, the status.

    The request the UI sent is given back.
    """
    with page.expect_request(lambda request: urlsplit(request.url).path == PROTECTED) as sent:
        operation.locator(".execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text(expected)
    return sent.value


def test_docs_lists_every_operation_offline_without_errors(
    server: LiveServer, document: dict[str, Any]
) -> None:
    """/docs lists each operation of /openapi.json, loads nothing from elsewhere, breaks no CSP.

    Not one console error either: a file the policy refused, or a script that failed, logs one.
    """
    assert {"GET /", f"GET {PROTECTED}"} <= set(operations(document))
    with docs_page(server) as (page, watch):
        # The page ran under the strict policy: no inline script, no eval, nothing from elsewhere.
        assert "default-src 'none'" in watch.policy
        assert "script-src 'self';" in watch.policy
        expect(page.locator(".swagger-ui .info .title")).to_contain_text(SERVICE)
        assert shown_operations(page) == operations(document)
        # The bearer scheme of the document is what Authorize offers.
        expect(page.locator(".swagger-ui .btn.authorize")).to_be_visible()
    assert watch.console_errors == []


def test_authorize_opens_a_protected_route_from_the_ui(server: LiveServer, directory: Path) -> None:
    """Try it out gets 401 without a token; after Authorize with a minted token, the same is 200.

    The UI sends the token it was given as the bearer, and the route admits it.
    """
    token = mint_token(development_key(directory), [SCOPE], subject="browser")
    with docs_page(server) as (page, watch):
        operation = page.locator(".opblock").filter(
            has=page.locator(f'.opblock-summary [data-path="{PROTECTED}"]')
        )
        operation.locator(".opblock-summary").click()
        operation.locator(".try-out__btn").click()
        refused = execute(page, operation, "401")
        assert "authorization" not in refused.headers

        page.locator(".swagger-ui .auth-wrapper .btn.authorize").click()
        modal = page.locator(".modal-ux")
        modal.locator("#auth-bearer-value").fill(token)
        modal.locator(".btn.modal-btn.auth.authorize").click()
        modal.locator(".btn.modal-btn.auth.btn-done").click()
        expect(modal).to_have_count(0)
        expect(page.locator(".swagger-ui .auth-wrapper .btn.authorize.locked")).to_be_visible()

        admitted = execute(page, operation, "200")
        assert admitted.headers["authorization"] == f"Bearer {token}"
    # The only errors logged are the browser's own line for the 401.
    assert watch.console_errors
    assert all("status of 401" in error for error in watch.console_errors), watch.console_errors
