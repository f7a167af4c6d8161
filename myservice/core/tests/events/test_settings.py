"""BROKER_URL: a RabbitMQ URL or nothing."""

from __future__ import annotations

import pytest

from ...events.settings import broker_url


def test_a_broker_url_is_amqp() -> None:
    """amqp:// and amqps:// are RabbitMQ's; anything else says what is expected."""
    assert broker_url("amqp://guest:guest@127.0.0.1:5672/") == "amqp://guest:guest@127.0.0.1:5672/"
    assert broker_url("amqps://rabbit.internal/") == "amqps://rabbit.internal/"
    with pytest.raises(ValueError, match="is not a RabbitMQ URL"):
        broker_url("redis://127.0.0.1:6379")
