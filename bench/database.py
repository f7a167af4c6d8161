"""The database `make bench` serves: PostgreSQL, as in production, when one answers; else SQLite.

TEST_DATABASE_URL names the PostgreSQL server (`make bench` passes the one `make test-servers`
uses). The database made there is migrated, served by the service and its FastAPI twin alike,
and dropped at the end. A server that does not answer is said, and the run goes on on SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from myservice.app import SERVICE
from myservice.core.testing.clean_databases import (
    SERVER_VARIABLE,
    DatabaseServerUnreachable,
    DatabaseTemplate,
)


@dataclass(frozen=True)
class BenchDatabase:
    """Where the benchmark's rows are: the URL, and which database, said in the report."""

    url: str
    kind: str


@contextmanager
def bench_database(scratch: Path) -> Iterator[BenchDatabase]:
    """A migrated, empty database: on TEST_DATABASE_URL's server if it answers, else in `scratch`."""
    server = os.environ.get(SERVER_VARIABLE)
    template = None
    if server:
        try:
            template = DatabaseTemplate(scratch, SERVICE.migrations, server)
        except DatabaseServerUnreachable as error:
            print(f"==> {SERVER_VARIABLE} does not answer ({error}): the database runs on SQLite")
    if template is None:
        template = DatabaseTemplate(scratch, SERVICE.migrations)
    kind = "PostgreSQL" if template.server else "a SQLite file"
    try:
        yield BenchDatabase(template.url, kind)
    finally:
        template.close()
