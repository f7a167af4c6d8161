"""Tests of core/observability/, one module per module."""
