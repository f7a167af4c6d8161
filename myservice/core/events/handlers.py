"""The service's consumers: functions in events/ that each take the messages of one model.

    # events/receipts.py, in the service's package
    @handles(RefundCreated)
    async def send_receipt(event: RefundCreated) -> None:
        async with transaction() as session:
            ...

Each public module of the events package holds at least one handler, found at start as views
are. A handler is named by its module and function (`receipts.send_receipt`): the name of its
inbox records, and of its queue on the broker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from ..discovery import public_modules
from ..identity import StartupError
from .messages import Event

ATTRIBUTE = "handled_model"
E = TypeVar("E", bound=Event)
HandlerFunction = Callable[[E], Awaitable[None]]


@dataclass(frozen=True)
class Handler:
    """A consumer: its name, the model it takes (and so its topic), and the function."""

    name: str
    model: type[Event]
    function: Callable[[Any], Awaitable[None]]

    @property
    def topic(self) -> str:
        """The topic of the messages it takes."""
        return self.model.topic


def handles(model: type[E]) -> Callable[[HandlerFunction[E]], HandlerFunction[E]]:
    """Make the function a consumer of `model`'s messages, each handled once, in a transaction."""
    if not getattr(model, "topic", None):
        raise TypeError(f"{model.__name__} has no topic: class {model.__name__}(Event, topic=...)")

    def decorator(function: HandlerFunction[E]) -> HandlerFunction[E]:
        setattr(function, ATTRIBUTE, model)
        return function

    return decorator


def discover_handlers(events: ModuleType | None) -> list[Handler]:
    """The handlers of every public module of the package `events`, in name order."""
    if events is None:
        return []
    found = []
    for module in public_modules(events):
        name = module.__name__.rpartition(".")[2]
        handlers = [
            Handler(f"{name}.{value.__name__}", getattr(value, ATTRIBUTE), value)
            for value in vars(module).values()
            if getattr(value, ATTRIBUTE, None) is not None
            and getattr(value, "__module__", None) == module.__name__
        ]
        if not handlers:
            raise StartupError(
                f"{module.__name__} has no @handles function; every module in {events.__name__}"
                " must have one (start its name with _ to keep it out of discovery)"
            )
        found.extend(handlers)
    return found


def handlers_of(handlers: list[Handler], topic: str) -> list[Handler]:
    """The handlers that take messages of `topic`."""
    return [handler for handler in handlers if handler.topic == topic]
