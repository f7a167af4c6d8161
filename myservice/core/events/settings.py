"""The events' settings: the broker, if any, and how a failing handler is tried again."""

from __future__ import annotations

import re

from ..settings.setting import Setting

BROKER_SCHEMES = ("amqp://", "amqps://")


def broker_url(value: str) -> str:
    """BROKER_URL: a RabbitMQ URL, amqp:// or amqps://."""
    if not value.startswith(BROKER_SCHEMES):
        raise ValueError("is not a RabbitMQ URL: amqp://user:password@host:5672/vhost")
    return value


def exchange_name(value: str) -> str:
    """EVENTS_EXCHANGE: a name RabbitMQ takes, and that the queues' names can start with."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", value):
        raise ValueError("is not an exchange name: 1 to 100 letters, digits, '.', '_' or '-'")
    return value


SETTINGS: dict[str, Setting] = {
    "BROKER_URL": Setting(None, str, nullable=True, check=broker_url),
    "EVENTS_EXCHANGE": Setting("events", str, check=exchange_name),
    "EVENTS_MAX_ATTEMPTS": Setting(5, int, minimum=1),
    "EVENTS_RETRY_DELAY": Setting(1, int, minimum=1),
}
