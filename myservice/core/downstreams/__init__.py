"""Calls to other services: DOWNSTREAMS, pools, deadlines, retries (docs/downstreams.md)."""
