"""`quart events retire NAME`: a consumer's queues off the broker, once nothing waits in them.

A consumer removed from events/ leaves its queue on the broker, bound to its topic and filling
with every message published. Once its module is gone, this deletes that queue and its retry
queues, and the dead letters' queue if it is empty (kept otherwise, for whoever reads them). It
refuses while a message waits in the queue or a retry queue, since deleting would lose it: let
the workers of the version before handle them first.
"""

from __future__ import annotations

import asyncio
import re

import aio_pika
import aiormq
import click
from aio_pika.abc import AbstractConnection
from quart import Quart
from quart.cli import ScriptInfo, pass_script_info

from ..identity import SERVICE
from . import without_broker
from .inbox import Consumers

CONNECT_TIMEOUT = 10.0
HANDLER_NAME = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")


def init_app(app: Quart) -> None:
    """Add `quart events retire NAME`."""
    app.cli.add_command(events_command)


@click.group("events")
def events_command() -> None:
    """The events' commands."""


@events_command.command("retire")
@click.argument("name")
@pass_script_info
def retire_command(info: ScriptInfo, name: str) -> None:
    """Delete the queues of the consumer NAME (module.function), gone from events/."""
    app = info.load_app()
    config = app.config
    if config["BROKER_URL"] is None:
        raise click.ClickException("BROKER_URL is not set: the queues to retire are on a broker")
    if not HANDLER_NAME.fullmatch(name):
        raise click.ClickException(f"{name!r} is not a consumer's name: module.function")
    consumers: Consumers = app.extensions[without_broker.EXTENSION_KEY]
    if name in {handler.name for handler in consumers.handlers}:
        raise click.ClickException(
            f"{name} is still in events/: remove it first, or the workers declare its queue again"
        )
    queue = f"{config['EVENTS_EXCHANGE']}.{SERVICE}.{name}"
    retries = [f"{queue}.retry.{attempt}" for attempt in range(1, config["EVENTS_MAX_ATTEMPTS"])]
    for line in asyncio.run(_retire(config["BROKER_URL"], queue, retries)):
        click.echo(line)


async def _retire(url: str, queue: str, retries: list[str]) -> list[str]:
    try:
        connection = await aio_pika.connect(url, timeout=CONNECT_TIMEOUT)
    except (OSError, aiormq.exceptions.AMQPError) as error:
        raise click.ClickException(f"no broker answers at BROKER_URL: {error!r}") from None
    try:
        counts = {name: await _waiting(connection, name) for name in [queue, *retries]}
        waiting = {name: count for name, count in counts.items() if count}
        if waiting:
            listed = ", ".join(f"{name} has {count}" for name, count in waiting.items())
            raise click.ClickException(f"messages wait, which deleting would lose: {listed}")
        channel = await connection.channel()
        lines = []
        for name, count in counts.items():
            if count is not None:
                await channel.queue_delete(name, if_empty=True)
                lines.append(f"deleted {name}")
        dead = await _waiting(connection, f"{queue}.dead")
        if dead == 0:
            await channel.queue_delete(f"{queue}.dead", if_empty=True)
            lines.append(f"deleted {queue}.dead")
        elif dead:
            lines.append(f"kept {queue}.dead: {dead} dead letters to read, then delete it")
        return lines or [f"no queue of {queue} on the broker: nothing to do"]
    finally:
        await connection.close()


async def _waiting(connection: AbstractConnection, name: str) -> int | None:
    """How many messages wait in the queue `name`; None where there is no such queue."""
    channel = await connection.channel()  # a passive declare of a missing queue closes it
    try:
        declared = await channel.declare_queue(name, passive=True)
    except aiormq.exceptions.ChannelNotFoundEntity:
        return None
    count = declared.declaration_result.message_count
    await channel.close()
    return int(count or 0)
