"""Every HTTP error a client can get is an RFC 9457 problem document (application/problem+json)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus

from quart import Quart, Response, current_app
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from .request_ids import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
# RFC 9110's names, where Werkzeug and older Pythons still use the older ones.
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def init_app(app: Quart) -> None:
    """Answer every HTTP error, 500 included, with a problem document."""
    app.register_error_handler(HTTPException, problem_from_http_error)
    # Quart propagates under DEBUG or TESTING by default, and then answers with an HTML traceback
    # page, local variables included. Never propagate: the client gets the JSON 500 in every mode
    # and the traceback goes to the log.
    app.config["PROPAGATE_EXCEPTIONS"] = False


async def problem_from_http_error(error: HTTPException) -> Response:
    """Turn an HTTPException into a problem, keeping headers such as Allow or Retry-After."""
    headers = [
        (name, value) for name, value in error.get_headers() if name.lower() != "content-type"
    ]
    status = error.code or 500
    return problem_response(
        status, TITLES.get(status, error.name), error.description or "", headers
    )


def problem_response(
    status: int,
    title: str,
    detail: str,
    headers: Iterable[tuple[str, str]] = (),
    extra: Mapping[str, object] | None = None,
) -> Response:
    """A problem document with the given status, as a response of the app being served."""
    body = problem_body(status, detail, extra, title)
    return current_app.response_class(
        current_app.json.dumps(body), status, Headers(headers), content_type=PROBLEM_CONTENT_TYPE
    )


def problem_body(
    status: int, detail: str, extra: Mapping[str, object] | None = None, title: str | None = None
) -> dict[str, object]:
    """The members of a problem document; `type` stays about:blank, as RFC 9457 allows.

    The title is the status's name unless given; `extra` adds members of its own; a 5xx names
    the request id, to quote when reporting it. The servers' own answers (431, 503 at
    MAX_IN_FLIGHT) are written from this too, before any app is involved.
    """
    body: dict[str, object] = {
        "type": "about:blank",
        "title": title or title_of(status),
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    if status >= 500 and (request_id := current_request_id()) is not None:
        body["request_id"] = request_id
    return body


def title_of(status: int) -> str:
    """The status's name as RFC 9110 gives it: 404 Not Found, 413 Content Too Large."""
    return TITLES.get(status) or HTTPStatus(status).phrase
