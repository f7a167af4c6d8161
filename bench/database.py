"""The database `make bench` serves: PostgreSQL, as in production, when one answers; else SQLite.

BENCH_DATABASE_URL names the PostgreSQL server (the machine's by default, as for the events'
backlog). The database made there is migrated, served by the service and its FastAPI twin
alike, and dropped at the end. A server that does not answer is said, and the run goes on on
SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from myservice.app import SERVICE
from myservice.core.testing.clean_databases import DatabaseServerUnreachable, DatabaseTemplate

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class BenchDatabase:
    """Where the benchmark's rows are: the URL, and which database, said in the report."""

    url: str
    kind: str


@contextmanager
def bench_database(scratch: Path) -> Iterator[BenchDatabase]:
    """A migrated, empty database: on DATABASE_URL's server if it answers, else in `scratch`."""
    template = None
    if DATABASE_URL:
        try:
            template = DatabaseTemplate(scratch, SERVICE.migrations, DATABASE_URL)
        except DatabaseServerUnreachable as error:
            print(f"==> BENCH_DATABASE_URL does not answer ({error}): the pairs run on SQLite")
    if template is None:
        template = DatabaseTemplate(scratch, SERVICE.migrations)
    kind = "PostgreSQL" if template.server else "a SQLite file"
    try:
        yield BenchDatabase(template.url, kind)
    finally:
        template.close()
