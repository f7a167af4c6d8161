"""A path is built once from its steps, the first outermost; a step may leave itself out."""

from __future__ import annotations

from collections.abc import Callable

from quart import Quart

from ...http.layers import stacked

Call = Callable[[list[str]], None]


def recording(name: str) -> Callable[[Call, Quart], Call]:
    """A step that notes `name`, then calls the next one."""

    def step(inner: Call, _app: Quart) -> Call:
        def call(seen: list[str]) -> None:
            seen.append(name)
            inner(seen)

        return call

    return step


def test_the_first_step_is_outermost_and_the_innermost_runs_last() -> None:
    """Steps (a, b) around Quart run a, then b, then Quart."""

    def quart(seen: list[str]) -> None:
        seen.append("quart")

    innermost: Call = quart
    path = stacked([recording("a"), recording("b")], innermost, Quart("x"))
    seen: list[str] = []
    path(seen)
    assert seen == ["a", "b", "quart"]


def test_a_step_with_nothing_to_do_adds_no_call() -> None:
    """A step that gives back the next one leaves the path as it was: it costs nothing."""

    def quart(seen: list[str]) -> None:
        seen.append("quart")

    def idle(inner: Call, _app: Quart) -> Call:
        return inner

    innermost: Call = quart
    assert stacked([idle], innermost, Quart("x")) is innermost
