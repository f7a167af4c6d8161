"""The calling side of the downstream tests: a view that passes requests on to the stub."""

from __future__ import annotations

import io
import json
from typing import Any

from quart import Blueprint, request

from .. import ServiceApp
from ..api.openapi import problems
from ..downstreams.registry import downstream
from ..http.access import public
from .plumbing import create_app

calls = Blueprint("_calls", __name__)


@calls.route("/call/<path:target>", methods=["GET", "POST"])
@public
@problems(502, 503, 504)
async def call(target: str) -> dict[str, Any]:
    """Pass the request on to the stub, and say what it answered."""
    stub = downstream("stub")
    response = await stub.request(
        request.method,
        f"/{target}",
        params=list(request.args.items(multi=True)),
        content=await request.body,
    )
    return {"status": response.status_code, "body": stub.json(response)}


def calling_app(url: str, **entry: object) -> ServiceApp:
    """The plumbing with the /call view, its downstream `stub` at `url`."""
    app = create_app(
        {"TESTING": True, "LOG_FORMAT": "json", "DOWNSTREAMS": {"stub": {"url": url, **entry}}}
    )
    app.register_blueprint(calls)
    return app


def downstream_lines(lines: io.StringIO) -> list[dict[str, Any]]:
    """The log lines of the calls made."""
    parsed = [json.loads(line) for line in lines.getvalue().splitlines()]
    return [line for line in parsed if line["event"] == "downstream request"]
