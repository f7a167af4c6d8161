"""Tokens verified lately, so that a caller's next requests skip the signature check.

A client sends the same token with every request until it expires, and checking its signature
and claims is most of what a protected route costs (`make bench` put it at half a request). A
token verified is trusted again, as the same caller, until its `exp` or for TRUST_SECONDS,
whichever is sooner: a key the provider withdraws stops opening routes within that time. Only
tokens that verified are kept, and at most MOST of them, the least recently used going first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..http.caller import Caller

TRUST_SECONDS = 60.0
MOST = 1024


class VerifiedTokens:
    """The callers of tokens verified lately, each until it must be checked again."""

    def __init__(self, trust_seconds: float = TRUST_SECONDS, most: int = MOST) -> None:
        self._trust = trust_seconds
        self._most = most
        self._callers: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    def get(self, token: str) -> Caller | None:
        """The caller `token` was verified for, if that is still to be trusted."""
        kept = self._callers.get(token)
        if kept is None:
            return None
        caller, until = kept
        if time.time() >= until:
            del self._callers[token]
            return None
        self._callers.move_to_end(token)
        return caller

    def keep(self, token: str, caller: Caller) -> None:
        """Trust `token` as `caller` until its exp, or TRUST_SECONDS from now if sooner."""
        expires = caller.claims.get("exp")
        until = time.time() + self._trust
        if isinstance(expires, int | float):
            until = min(until, float(expires))
        self._callers[token] = (caller, until)
        self._callers.move_to_end(token)
        if len(self._callers) > self._most:
            self._callers.popitem(last=False)
