"""Idempotency-Key on a POST: a retry gets the first answer again, and nothing is written twice.

`@idempotent` on a view, as draft-ietf-httpapi-idempotency-key-header has it. A request with
`Idempotency-Key: "<key>"` (a string of up to 255 printable characters; a UUID is the usual
choice) claims the key for its caller (data/idempotency.py), and the view runs in one
transaction with the keeping of its answer. Then, for the same caller and key:

- the same request again (method, path, query and body) gets the kept answer, with
  `Idempotent-Replayed: true`, and the view does not run;
- another request is a 422: a key names one request;
- a retry while the first still runs is a 409 with Retry-After.

An answer below 500 is kept for IDEMPOTENCY_KEY_HOURS; a 5xx, an error or a cut connection rolls
the view's writes back and gives the key up, so that a retry runs it again. So does an answer
larger than MAX_CONTENT_LENGTH, which is not kept: the client hears a 500. A request without the
header runs as it would without the decorator. The keys of callers without a token (a public
route) are shared: anyone who sends the same key and the same body gets the same answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar, cast

from quart import Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest

from ..http.problems import problem_response
from ..http.request import JSONRequest
from . import database, idempotency
from .database import transaction

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
ATTRIBUTE = "idempotency_key"
# A structured-field string ("..."), or one unquoted without blanks, commas or semicolons, which
# clients send too.
KEY = re.compile(
    r'"([\x20\x21\x23-\x5b\x5d-\x7e]{1,255})"|([\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,255})'
)
NOT_A_KEY = (
    f"{HEADER} must be one string of 1 to 255 printable ASCII characters without quotes or"
    ' backslashes inside, such as "8e03978e-40d5-43e8-bc93-6894a57f9324".'
)
AsyncView = TypeVar("AsyncView", bound=Callable[..., Awaitable[Any]])
# Headers a replayed answer gets anew: its length, and those the app adds to every answer.
NOT_KEPT = frozenset({"content-length"})


def idempotent(view: AsyncView) -> AsyncView:
    """Make a POST view safe to retry with an Idempotency-Key (see the module's docstring)."""

    @wraps(view)
    async def run(*args: Any, **kwargs: Any) -> object:
        sent = idempotency_key()
        if sent is None:
            return await view(*args, **kwargs)
        key = idempotency.Key(caller_id(), sent)
        found = database.database()
        sessions = found.sessions
        fingerprint = await request_fingerprint()
        async with found.turn():
            outcome = await idempotency.claim(
                sessions,
                key,
                fingerprint,
                lease=current_app.config["RESPONSE_TIMEOUT"],
                lifetime=current_app.config["IDEMPOTENCY_KEY_HOURS"] * 3600,
            )
        if not isinstance(outcome, idempotency.Claimed):
            return refusal(outcome)
        try:
            async with transaction() as session:
                response = cast(
                    Response, await current_app.make_response(await view(*args, **kwargs))
                )
                if response.status_code >= 500:
                    raise _NotKept(response)
                answer = await answer_of(response, current_app.config["MAX_CONTENT_LENGTH"])
                await idempotency.keep(session, key, outcome.token, answer)
        except _NotKept as failed:
            async with found.turn():
                await idempotency.release(sessions, key, outcome.token)
            return failed.response
        except idempotency.ClaimLost:
            return still_running(1)
        except BaseException:
            async with found.turn():
                await idempotency.release(sessions, key, outcome.token)
            raise
        return response

    setattr(run, ATTRIBUTE, True)
    return cast(AsyncView, run)


def refusal(outcome: idempotency.Answer | idempotency.Busy | idempotency.Mismatch) -> Response:
    """The answer to a request whose key is not its own to run: replayed, busy, or taken."""
    if isinstance(outcome, idempotency.Answer):
        return replay(outcome)
    if isinstance(outcome, idempotency.Busy):
        return still_running(outcome.seconds)
    reused = f"This {HEADER} was sent with another request: use a new key for a new request."
    return problem_response(
        422,
        "Unprocessable Content",
        reused,
        extra={"errors": [{"parameter": HEADER, "detail": reused}]},
    )


class _NotKept(Exception):  # noqa: N818 (carries the answer out of the transaction)
    def __init__(self, response: Response) -> None:
        self.response = response


def idempotency_key() -> str | None:
    """The request's key, None without one; 400 when it is not one string as the draft has it."""
    sent = request.headers.getlist(HEADER)
    if not sent:
        return None
    match = KEY.fullmatch(sent[0].strip(" \t")) if len(sent) == 1 else None
    if match is None:
        raise BadRequest(NOT_A_KEY)
    return match.group(1) or match.group(2)


def caller_id() -> str:
    """Whose keys these are: a digest of the token's subject, fixed in length; "" without one."""
    caller = cast(JSONRequest, request).caller
    return "" if caller is None else hashlib.sha256(caller.subject.encode()).hexdigest()


async def request_fingerprint() -> str:
    """What makes two requests the same one: method, path, query and body."""
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    digest.update(cast(bytes, await request.get_data(cache=True, as_text=False)))
    return digest.hexdigest()


async def answer_of(response: Response, limit: int) -> idempotency.Answer:
    """The response as it is kept: status, headers and body, a streamed one read whole.

    A body over `limit` bytes is not kept: the view's writes are rolled back, as for a 5xx, so
    that a retry never runs them twice, and the client hears why (a 500: the view's doing).
    """
    body = bytearray()
    async for chunk in response.iter_encode():
        body += chunk
        if len(body) > limit:
            current_app.logger.error(
                "%s %s: an @idempotent answer over MAX_CONTENT_LENGTH (%d bytes) is not kept",
                request.method,
                request.path,
                limit,
            )
            raise _NotKept(
                problem_response(
                    500,
                    "Internal Server Error",
                    f"The answer is larger than {limit} bytes (MAX_CONTENT_LENGTH), too large to"
                    " keep for a retry: nothing was written.",
                )
            )
    response.set_data(bytes(body))
    headers = [
        (name, value) for name, value in response.headers.items() if name.lower() not in NOT_KEPT
    ]
    return idempotency.Answer(response.status_code, headers, bytes(body))


def replay(answer: idempotency.Answer) -> Response:
    """The kept answer, marked as given again."""
    response = current_app.response_class(answer.body, answer.status, Headers(answer.headers))
    response.headers[REPLAYED] = "true"
    return response


def still_running(seconds: int) -> Response:
    """409: the request of this key is still running; when to ask again."""
    return problem_response(
        409,
        "Conflict",
        f"A request with this {HEADER} is still running: retry once it has answered.",
        headers=[("Retry-After", str(max(seconds, 1)))],
    )
