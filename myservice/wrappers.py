"""The Quart classes this service swaps in, so that every answer is JSON or has no body at all."""

from __future__ import annotations

import math
from typing import Any, NoReturn, cast

from pydantic import BaseModel
from quart import Quart, Request, Response
from quart.typing import ResponseReturnValue, ResponseTypes
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from myservice.json_provider import ORJSONProvider


class StrictJSONRequest(Request):
    """A request whose JSON body is JSON, or the client hears why not.

    Quart's own get_json() returns None for a body sent under a non-JSON Content-Type, lets a
    body that is not UTF-8 or that nests too deeply escape as a 500, and accepts NaN, Infinity and
    1e999, which the service would then echo as invalid JSON.
    """

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON: 415 for a non-JSON Content-Type, 400 for a body that won't parse.

        With silent=True both give None instead, as in Quart.
        """
        if not (force or self.is_json):
            if silent:
                return None
            sent = self.mimetype or "no Content-Type"
            raise UnsupportedMediaType(
                f"Send the body as application/json; this request sent {sent}."
            )
        data = await self.get_data(cache=cache, as_text=False, parse_form_data=False)
        try:
            return self.json_module.loads(
                data.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float
            )
        except UnicodeDecodeError as error:
            problem = f"The body is not UTF-8 (bad byte at offset {error.start})."
        except RecursionError:
            problem = "The body's JSON is nested too deeply."
        except ValueError as error:
            problem = f"The body is not valid JSON: {error}."
        if silent:
            return None
        raise BadRequest(problem)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value


class JSONApp(Quart):
    """Quart with the strict request class and orjson, answering OPTIONS with 204 and no body.

    A view may return a pydantic model, alone or first in a tuple, and it is sent as JSON.
    Quart's automatic OPTIONS answer is a 200 with an empty body labelled text/html.
    """

    request_class = StrictJSONRequest
    json_provider_class = ORJSONProvider

    async def make_response(
        self, result: ResponseReturnValue | HTTPException | BaseModel | tuple[BaseModel, ...]
    ) -> ResponseTypes:
        """Quart's response for `result`, a model first turned into JSON types."""
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        elif isinstance(result, tuple) and isinstance(result[0], BaseModel):
            result = cast(ResponseReturnValue, (result[0].model_dump(mode="json"), *result[1:]))
        return await super().make_response(result)

    async def make_default_options_response(self) -> Response:
        """204 No Content with the Allow header, and no Content-* headers for a body there isn't."""
        response = await super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        del response.headers["Content-Length"]  # RFC 9110 forbids it on a 204
        return response
