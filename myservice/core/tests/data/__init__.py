"""Tests of core/data/, one module per module."""
