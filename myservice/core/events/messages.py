"""What travels: the events a service publishes, the jobs it gives itself, and their envelope.

An event is a validated model that names its topic once, where it is defined:

    class RefundCreated(Event, topic="refund.created"):
        refund_id: int

A job is the same, for the service's own consumers only:

    class SendReceipt(Job, topic="send_receipt"):
        refund_id: int
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..http.model import Model

# Lowercase words joined by dots: refund.created, billing.invoice_paid.
TOPIC = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
TOPIC_LENGTH = 200


class Event(Model):
    """A fact the service tells whoever listens: `class RefundCreated(Event, topic="...")`."""

    topic: ClassVar[str]
    job: ClassVar[bool] = False

    def __init_subclass__(cls, topic: str | None = None, **options: Any) -> None:
        """Give the class its topic, checked: lowercase words joined by dots."""
        super().__init_subclass__(**options)
        if topic is None:
            return
        if len(topic) > TOPIC_LENGTH or not TOPIC.fullmatch(topic):
            raise ValueError(
                f"{cls.__name__}: the topic {topic!r} is not lowercase words joined by dots,"
                ' such as "refund.created"'
            )
        cls.topic = topic


class Job(Event):
    """Work the service gives itself, later: a message to its own consumers only."""

    job: ClassVar[bool] = True


@dataclass(frozen=True)
class Message:
    """An event or a job as it travels: its id, topic, ordering key, JSON body and headers."""

    id: str
    topic: str
    payload: str
    key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
