"""Calls to other services: DOWNSTREAMS, one pool each, deadlines and retries, problems for failures."""
