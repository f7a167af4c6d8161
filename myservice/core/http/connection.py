"""Quart's HTTP connection, with the same two tasks a request and none of the bookkeeping around them.

Quart reads each request's body in one task and answers it in another, waits for the first
to end with asyncio.wait, cancels the other and gathers it, then sends the answer inside
asyncio.wait_for, which starts a third task. Here the reader's end (the client gone) cancels
the answer through a callback, and RESPONSE_TIMEOUT bounds the sending with asyncio.timeout,
in the answering task: in-process, that took back about 3% of a request. A client that hangs
up still cancels its answer; and a server that cancels the request (a worker stopping) now
cancels the answer too, which Quart's asyncio.wait would leave running.

An answer is sent one turn of the event loop after it is made, as Quart's sending task did (on
Python 3.11, where its asyncio.wait_for sends from a task of its own): the answers made in one
turn then leave together. Sent as soon as each was made, wrk, loading `make bench` from the
same machine, was woken about once an answer rather than once every two, the worker's time in
the kernel doubled for the same system calls, and the benchmark's two servers alone measured
0.80 of bare Quart's throughput rather than 0.92. A cancel that comes within that turn (the
server stopping) still lets the answer go: it was made, and its log line written. A body held
whole goes in one message rather than two (its data, then an empty last message): 0.96.
"""

from __future__ import annotations

import asyncio
from typing import cast

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable
from quart import Request, Response
from quart.asgi import ASGIHTTPConnection
from quart.debug import traceback_response
from quart.typing import ResponseTypes
from quart.utils import encode_headers
from quart.wrappers.response import DataBody


class ServiceHTTPConnection(ASGIHTTPConnection):
    """One request's connection: its body read beside its answer, which a hang-up cancels."""

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Read the body and answer; stop answering once the client is gone."""
        request = self._create_request_from_scope(send)
        reader = asyncio.ensure_future(self.handle_messages(request, receive))
        answer = asyncio.ensure_future(self.handle_request(request, send))
        reader.add_done_callback(lambda _: answer.cancel())
        try:
            await answer
        except asyncio.CancelledError:
            # Cancelled from outside (the server stopping): so is the answer, and this.
            if cast(asyncio.Task[None], asyncio.current_task()).cancelling():
                raise
        finally:
            reader.cancel()
        if not reader.cancelled() and reader.done() and reader.exception() is not None:
            raise cast(BaseException, reader.exception())

    async def handle_request(self, request: Request, send: ASGISendCallable) -> None:
        """Answer as Quart does, the sending bounded by RESPONSE_TIMEOUT without a task of its own."""
        try:
            response = await self.app.handle_request(request)
        except Exception as error:
            # Quart's rule: the traceback as the answer when debugging or testing, else raised.
            if not (self.app.debug or self.app.testing):
                raise
            response = await traceback_response(error)
        timeout = self.app.config["RESPONSE_TIMEOUT"]
        if isinstance(response, Response) and response.timeout is not Ellipsis:
            timeout = response.timeout
        try:
            await asyncio.sleep(0)  # to leave with the answers made in this turn (see above)
        finally:
            # Even if cancelled in that turn: the answer was made, and logged as answered.
            await self._send_within(send, response, timeout)

    async def _send_within(
        self, send: ASGISendCallable, response: ResponseTypes, seconds: float | None
    ) -> None:
        """Send the answer, giving up after `seconds` (a client that does not read)."""
        try:
            async with asyncio.timeout(seconds):
                await self._send_response(send, response)
        except TimeoutError:
            pass

    async def _send_response(self, send: ASGISendCallable, response: ResponseTypes) -> None:
        """Send the answer as Quart does, but a body held whole in one message, not two.

        Quart sends every body as a stream: each chunk, then an empty last message, each through
        every layer's `send`.
        """
        body = response.response if isinstance(response, Response) else None
        if not isinstance(body, DataBody):
            await super()._send_response(send, response)
            return
        headers = encode_headers(response.headers)
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        data = body.data[body.begin : body.end]
        await send({"type": "http.response.body", "body": data, "more_body": False})
