"""Routes on their way out: RFC 9745's Deprecation and RFC 8594's Sunset on every answer.

    @blueprint.get("/v1/refunds")
    @public
    @deprecated(since=date(2026, 12, 1), sunset=date(2027, 6, 30), link="https://example.com/v2")

Each answer of the route says since when it is deprecated (`Deprecation: @1796083200`, a
structured-field date), when it stops (`Sunset: Wed, 30 Jun 2027 00:00:00 GMT`) and, given a
link, where to read how to move (`Link: <...>; rel="deprecation"`); the OpenAPI document marks
the operation deprecated. The answers of other routes are left alone: the routes to mark are
read once, as the app starts serving.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.utils import formatdate

from quart import Quart, Response, request
from quart_schema.openapi import QUART_SCHEMA_DEPRECATED_ATTRIBUTE

from ..http.routes import View

ATTRIBUTE = "deprecation"


@dataclass(frozen=True)
class Deprecation:
    """When a route was deprecated, when it stops, and where to read about it."""

    since: date
    sunset: date | None
    link: str | None

    def headers(self) -> list[tuple[str, str]]:
        """The headers every answer of the route carries."""
        headers = [("Deprecation", f"@{_midnight(self.since)}")]
        if self.sunset is not None:
            headers.append(("Sunset", formatdate(_midnight(self.sunset), usegmt=True)))
        if self.link is not None:
            headers.append(("Link", f'<{self.link}>; rel="deprecation"; type="text/html"'))
        return headers


def deprecated(
    *, since: date, sunset: date | None = None, link: str | None = None
) -> Callable[[View], View]:
    """Mark a view deprecated since `since`, to stop on `sunset`, explained at `link`."""
    if sunset is not None and sunset <= since:
        raise ValueError(f"a route's sunset ({sunset}) comes after its deprecation ({since})")
    mark = Deprecation(since, sunset, link)

    def decorator(view: View) -> View:
        setattr(view, ATTRIBUTE, mark)
        setattr(view, QUART_SCHEMA_DEPRECATED_ATTRIBUTE, True)
        return view

    return decorator


def init_app(app: Quart) -> None:
    """Once serving starts, add the headers to the answers of the views marked, if there are any.

    Read once, the first time the app serves: a test that serves it again adds no second hook.
    """
    marked: dict[str, list[tuple[str, str]]] = {}

    async def add_headers(response: Response) -> Response:
        for name, value in marked.get(request.endpoint or "", ()):
            # A view's own Link (a next page, say) stays beside the deprecation's.
            response.headers.add(name, value)
        return response

    @app.before_serving
    async def read_the_marks() -> None:
        if marked:
            return
        for endpoint, view in app.view_functions.items():
            mark = vars(view).get(ATTRIBUTE)
            if mark is not None:
                marked[endpoint] = mark.headers()
        if marked:
            app.after_request(add_headers)


def _midnight(day: date) -> int:
    """The start of `day` in UTC, in seconds since the epoch."""
    return calendar.timegm(day.timetuple())
