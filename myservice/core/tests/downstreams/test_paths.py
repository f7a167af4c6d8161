"""The path of a call: each value one segment, and nothing that climbs out of the resource."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequest

from ...downstreams.paths import call_path


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("42", "42"),
        ("a/b", "a%2Fb"),
        ("x?admin=true#", "x%3Fadmin%3Dtrue%23"),
        ("%2E%2E", "%252E%252E"),
        ("...", "..."),
        ("é ü", "%C3%A9%20%C3%BC"),
    ],
)
def test_a_value_is_one_segment_whatever_it_holds(value: str, segment: str) -> None:
    """Slashes, queries, fragments, escapes and spaces are encoded inside the segment."""
    path = call_path("ledger", "/accounts/{account}/balance", {"account": value})
    assert path == f"/accounts/{segment}/balance"


@pytest.mark.parametrize("value", [".", "..", ""])
def test_a_value_that_would_climb_out_is_refused(value: str) -> None:
    """A dot segment is refused, not encoded: servers decode %2E%2E back into `..`."""
    with pytest.raises(BadRequest):
        call_path("ledger", "/accounts/{account}/balance", {"account": value})


@pytest.mark.parametrize("path", ["/accounts/../balance", "/a/./b", "/a/%2e%2E/b", "/.."])
def test_a_path_with_a_dot_segment_is_refused(path: str) -> None:
    """However the path was built (an f-string of a client's value), it is not sent."""
    with pytest.raises(BadRequest):
        call_path("ledger", path, None)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("accounts", "starts with /"),
        ("/search?q=x", "give a query as params="),
        ("/page#top", "no query or fragment"),
    ],
)
def test_a_template_that_is_not_a_path_is_a_mistake_of_the_code(path: str, message: str) -> None:
    """These are the view's to fix, not the client's: ValueError, a 500."""
    with pytest.raises(ValueError, match=message):
        call_path("ledger", path, None)


def test_a_placeholder_without_its_value_is_a_mistake_of_the_code() -> None:
    """A name missing from path_params is never sent as the braces themselves."""
    with pytest.raises(ValueError, match=r"names \{account\}, not in path_params"):
        call_path("ledger", "/accounts/{account}", {"other": 1})


def test_without_path_params_braces_are_literal_text() -> None:
    """Only a call that gives path_params fills placeholders; text is encoded as a path."""
    assert call_path("ledger", "/a {b}", None) == "/a%20%7Bb%7D"
