"""What a client hears when the database says no: a problem document, never SQL or a traceback.

- a unique or foreign-key violation, when a statement runs or at commit: 409, naming the fields;
- a value the database cannot store (too long, a NUL character, out of range): 422;
- the database unreachable, too slow, locked, or out of connections: 503 with Retry-After, so
  that clients and load balancers come back once it is;
- a row that another request changed between this one's read and its write (the version of
  http/conditional.py): 412;
- anything else stays a 500, its traceback in the log.

SQLite and PostgreSQL word their errors differently; both are read here, so that a service
answers the same on either.
"""

from __future__ import annotations

import re

import structlog
from quart import Quart, Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError

from ..http.problems import problem_response
from .outages import DatabaseUnavailable, sql_state
from .tables import constraint_columns

RETRY_AFTER_SECONDS = 2
# "UNIQUE constraint failed: refunds.name, refunds.kind": SQLite names the columns.
SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
# "Key (name)=(first) already exists.": PostgreSQL's detail names them too.
POSTGRESQL_KEY = re.compile(r"Key \((.+?)\)=")

log = structlog.get_logger(__name__)


def init_app(app: Quart) -> None:
    """Answer the database's refusals and outages with the problems above."""
    app.register_error_handler(IntegrityError, conflict)
    app.register_error_handler(DBAPIError, unstorable_or_failure)
    app.register_error_handler(DatabaseUnavailable, unavailable)
    app.register_error_handler(PoolTimeoutError, unavailable)
    app.register_error_handler(StaleDataError, changed_meanwhile)


async def changed_meanwhile(_error: StaleDataError) -> Response:
    """412: the row's version moved while this request changed it, as If-Match would have seen."""
    return problem_response(
        412,
        "Precondition Failed",
        "The item changed while this request was changing it: read it again, then send your"
        " change with its new ETag.",
    )


async def conflict(error: IntegrityError) -> Response:
    """409 for a value that another row has, or that refers to no row; 500 for the rest."""
    message, state = str(error.orig), sql_state(error.orig)
    if state == "23503" or "FOREIGN KEY constraint failed" in message:
        fields = _fields(error)
        return problem_response(
            409,
            "Conflict",
            "The item refers to one that does not exist, or is still referred to.",
            extra={"fields": fields},
        )
    if state == "23505" or "UNIQUE constraint failed" in message:
        fields = _fields(error)
        return problem_response(
            409,
            "Conflict",
            f"Another item has the same {', '.join(fields) or 'key'}.",
            extra={"fields": fields},
        )
    raise error  # a missing value or a failed check: the view's mistake, so a 500


async def unstorable_or_failure(error: DBAPIError) -> Response:
    """422 for a value of the wrong shape for its column; other database errors stay 500s."""
    state = sql_state(error.orig)
    if state is not None and state.startswith("22"):
        return problem_response(
            422,
            "Unprocessable Content",
            "A value cannot be stored: it is too long, out of range, or holds a NUL character.",
        )
    raise error


async def unavailable(error: Exception) -> Response:
    """503 with Retry-After; the reason goes to the log, not to the client."""
    log.warning("database unavailable", reason=str(error).splitlines()[0])
    return problem_response(
        503,
        "Service Unavailable",
        "The database cannot be used right now; try again shortly.",
        headers=[("Retry-After", str(RETRY_AFTER_SECONDS))],
    )


def _fields(error: IntegrityError) -> list[str]:
    """The columns a constraint violation names: by the constraint's name, else the message."""
    cause = error.orig.__cause__ if error.orig is not None else None
    constraint = getattr(cause, "constraint_name", None) or getattr(
        error.orig, "constraint_name", None
    )
    if constraint and (columns := constraint_columns(constraint)):
        return columns
    message = str(error.orig)
    if found := SQLITE_UNIQUE.search(message):
        return [column.rsplit(".", 1)[-1] for column in found.group(1).split(", ")]
    detail = getattr(cause, "detail", None) or ""
    if found := POSTGRESQL_KEY.search(detail):
        return [column.strip() for column in found.group(1).split(",")]
    return []
