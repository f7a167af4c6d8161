"""Responses the views give: a pydantic model sent as JSON in one step, and 204 No Content."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import Quart, Response, current_app


def model_response(app: Quart, result: object) -> Response | None:
    """The JSON response of a model, alone or first in a tuple as Quart reads them; else None."""
    if isinstance(result, BaseModel):
        return _json_response(app, result, 200, None)
    if isinstance(result, tuple) and result and isinstance(result[0], BaseModel):
        # As Quart reads a tuple: (body, status), (body, headers) or (body, status, headers).
        status, headers = 200, None
        for part in result[1:]:
            if isinstance(part, int):
                status = part
            else:
                headers = part
        return _json_response(app, result[0], status, headers)
    return None


def no_content() -> Response:
    """A 204 No Content answer, with no Content-Type or Content-Length for a body there isn't."""
    response: Response = current_app.response_class()
    return without_body(response)


def without_body(response: Response) -> Response:
    """`response` as a 204, without the Content-* headers of a body it does not have."""
    response.status_code = 204
    del response.headers["Content-Type"]
    del response.headers["Content-Length"]  # RFC 9110 forbids it on a 204
    return response


def _json_response(app: Quart, model: BaseModel, status: int, headers: Any) -> Response:
    response: Response = app.json.response(model.model_dump(mode="json"))  # type: ignore[assignment]
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response
