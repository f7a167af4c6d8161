"""What a call to a downstream ends in: the answer, read whole, or the error the client hears."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class DownstreamError(Exception):
    """A call that failed: the status the client gets (502, 503, 504) and why, in words.

    `downstream_failed` says whether the downstream itself failed, which its breaker counts;
    a full pool, a missing token or an open breaker are not its failures.
    """

    def __init__(
        self,
        status: int,
        downstream: str,
        detail: str,
        retry_after: int = 0,
        *,
        downstream_failed: bool = True,
    ) -> None:
        """Fail with `status`; `retry_after` seconds for a 503."""
        super().__init__(detail)
        self.status, self.downstream, self.retry_after = status, downstream, retry_after
        self.downstream_failed = downstream_failed


@dataclass(frozen=True)
class DownstreamResponse:
    """A downstream's answer, read whole: its status, headers and body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.content)
