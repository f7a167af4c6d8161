"""Events and jobs name their topic once, where they are defined; a bad topic stops the import."""

from __future__ import annotations

import pytest

from ...events.messages import Event, Job


class Shipped(Event, topic="parcel.shipped"):
    """An event of the tests."""

    parcel_id: int


class Remind(Job, topic="remind_customer"):
    """A job of the tests."""

    parcel_id: int


def test_a_model_carries_its_topic_and_kind() -> None:
    """The class says its topic; a Job is a job, an Event is not."""
    assert (Shipped.topic, Shipped.job) == ("parcel.shipped", False)
    assert (Remind.topic, Remind.job) == ("remind_customer", True)
    assert Shipped(parcel_id=3).model_dump_json() == '{"parcel_id":3}'


@pytest.mark.parametrize(
    "topic", ["Parcel.Shipped", "parcel shipped", "parcel..shipped", ".x", "x" * 201]
)
def test_a_topic_is_lowercase_words_joined_by_dots(topic: str) -> None:
    """Anything else is refused when the class is defined, saying what a topic looks like."""
    with pytest.raises(ValueError, match="lowercase words joined by dots"):

        class Bad(Event, topic=topic):
            pass
