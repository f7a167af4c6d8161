"""`quart db ...`: Alembic's commands on the database of the service's settings.

`make migrate` is `quart db upgrade`; `make migration MESSAGE="..."` is `quart db revision`,
which writes a revision from the difference between the tables in data/ and the database, for a
person to review. The commands that write or undo a revision work on the service's branch; the
skeleton's (migrations.py) goes up with it and comes down only for `downgrade base`.
"""

from __future__ import annotations

from pathlib import Path

import click
from quart import Quart
from quart.cli import ScriptInfo, pass_script_info

from ..http.service import service_of
from ..identity import StartupError
from .migrations import (
    WRITING,
    alembic_commands,
    alembic_config,
    head_revisions,
    service_heads,
    upgrade,
)


def init_app(app: Quart) -> None:
    """Add the `db` command group to `quart`."""
    app.cli.add_command(db)


@click.group("db")
def db() -> None:
    """Migrate the database: upgrade, downgrade, revision, check, current, history."""


@db.command("upgrade")
@click.argument("revision", default="heads")
@pass_script_info
def upgrade_command(info: ScriptInfo, revision: str) -> None:
    """Migrate the database up to REVISION, the latest of each branch by default."""
    upgrade(*_database(info), revision)


@db.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@pass_script_info
def downgrade_command(info: ScriptInfo, revision: str) -> None:
    """Migrate the database down to REVISION (-1 for one step of the service's, base for none)."""
    url, migrations = _database(info)
    if revision.startswith("-"):  # relative to the service's head, not the skeleton's
        heads = service_heads(migrations)
        if not heads:
            raise click.ClickException("the service has no revision of its own to go back from")
        revision = f"{heads[0]}@{revision}"
    alembic_commands().downgrade(alembic_config(url, migrations), revision)


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the revision does, in a few words.")
@pass_script_info
def revision_command(info: ScriptInfo, message: str) -> None:
    """Write a revision from the difference between data/ and the migrated database."""
    url, migrations = _database(info)
    config = alembic_config(url, migrations)
    alembic_commands().upgrade(config, "heads")
    heads = service_heads(migrations)
    config.attributes[WRITING] = True
    written = alembic_commands().revision(
        config,
        message=message,
        autogenerate=True,
        head=heads[0] if heads else "base",
        version_path=str(migrations / "versions"),
    )
    if not written:
        raise click.ClickException(
            "the tables of data/ and the migrations agree: no revision written (change a table"
            " of data/ first)"
        )


@db.command("merge")
@click.option("-m", "--message", required=True, help="What the revision does, in a few words.")
@pass_script_info
def merge_command(info: ScriptInfo, message: str) -> None:
    """Write a revision that joins the latest revisions of the service's two branches."""
    app = info.load_app()
    migrations = service_of(app).migrations
    config = alembic_config(app.config["DATABASE_URL"], migrations)
    heads = service_heads(migrations)
    if len(heads) < 2:
        raise click.ClickException(
            "the service's migrations have one latest revision: none to join"
        )
    alembic_commands().merge(config, heads, message=message)


@db.command("check")
@pass_script_info
def check_command(info: ScriptInfo) -> None:
    """Fail if the tables in data/ differ from what the migrations make."""
    config = alembic_config(*_database(info))
    alembic_commands().upgrade(config, "heads")
    alembic_commands().check(config)


@db.command("current")
@pass_script_info
def current_command(info: ScriptInfo) -> None:
    """Print the database's revisions, one a branch."""
    alembic_commands().current(alembic_config(*_database(info)))


@db.command("history")
@pass_script_info
def history_command(info: ScriptInfo) -> None:
    """List the revisions, latest first."""
    alembic_commands().history(alembic_config("sqlite://", service_of(info.load_app()).migrations))


def _database(info: ScriptInfo) -> tuple[str, Path]:
    """The app's DATABASE_URL and migrations, once these are known to have one latest revision."""
    app = info.load_app()
    migrations = service_of(app).migrations
    try:
        head_revisions(migrations)
    except StartupError as error:
        raise click.ClickException(str(error)) from None
    url: str = app.config["DATABASE_URL"]
    return url, migrations
