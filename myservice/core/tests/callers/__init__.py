"""Tests of core/callers/, one module per module."""
