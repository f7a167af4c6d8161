"""What a call ends in: an answer whose body may be read as JSON, or an error naming why."""

from __future__ import annotations

import pytest

from ...downstreams.outcomes import DownstreamError, DownstreamResponse


def test_an_answer_is_read_as_json_or_says_it_is_not() -> None:
    """json() parses the body; a body that is not JSON is a ValueError, for client.json's 502."""
    assert DownstreamResponse(200, {}, b'{"a": 1}').json() == {"a": 1}
    with pytest.raises(ValueError, match="Expecting value"):
        DownstreamResponse(200, {}, b"plain words").json()


def test_an_error_is_the_downstreams_failure_unless_said_otherwise() -> None:
    """A breaker counts it, unless it is a full pool's, a missing token's or an open breaker's."""
    failed = DownstreamError(502, "billing", "billing dropped the connection.")
    refused = DownstreamError(503, "billing", "pool full", 1, downstream_failed=False)
    assert (failed.status, failed.downstream, str(failed), failed.downstream_failed) == (
        502,
        "billing",
        "billing dropped the connection.",
        True,
    )
    assert (refused.retry_after, refused.downstream_failed) == (1, False)
