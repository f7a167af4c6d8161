"""The events' settings: the broker, if any, and how a failing handler is tried again."""

from __future__ import annotations

from ..settings.setting import Setting

BROKER_SCHEMES = ("amqp://", "amqps://")


def broker_url(value: object) -> str:
    """BROKER_URL: a RabbitMQ URL, amqp:// or amqps://."""
    text = str(value)
    if not text.startswith(BROKER_SCHEMES):
        raise ValueError("is not a RabbitMQ URL: amqp://user:password@host:5672/vhost")
    return text


SETTINGS = {
    "BROKER_URL": Setting(None, str, nullable=True, check=broker_url),
    "EVENTS_MAX_ATTEMPTS": Setting(5, int, minimum=1),
    "EVENTS_RETRY_DELAY": Setting(1, int, minimum=1),
}
