"""Calls to other services: DOWNSTREAMS, pools, deadlines, retries (docs/calls.md)."""
