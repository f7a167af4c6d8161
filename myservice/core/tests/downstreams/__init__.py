"""Tests of core/downstreams/, one module per module."""
