"""Alembic's environment: the skeleton's, handing over to core/data/migrations.py.

Run migrations with `make migrate` or `.venv/bin/quart db ...`, which give it the database of the
service's settings; plain `alembic` has no such configuration.
"""

from alembic import context

run_migrations = context.config.attributes.get("run_migrations")
if run_migrations is None:
    raise SystemExit("run the migrations with `make migrate` (quart db upgrade), not alembic")
run_migrations(context)
