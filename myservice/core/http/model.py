"""Model: the base of every body the service reads or writes, events' payloads included.

It sits below the features (the API's validation, the events, the probes), which all build on it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of request and response bodies: a member the model does not name is an error."""

    model_config = ConfigDict(extra="forbid")
