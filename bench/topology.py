"""The benchmark's queues and exchanges, off the broker once a run is done with them."""

from __future__ import annotations

from myservice.core.events.broker import Broker
from myservice.core.events.inbox import Retries


async def delete_topology(broker: Broker, retries: Retries) -> None:
    """Delete the queues of each consumer and the exchanges `broker` declared; close it."""
    for queue in broker.queues:
        retrying = [f"{queue}.retry.{attempt}" for attempt in range(1, retries.max_attempts)]
        for name in (queue, f"{queue}.dead", *retrying):
            await broker.channel.queue_delete(name)
    for declared in broker.exchanges.values():
        await declared.delete()
    await broker.close()
