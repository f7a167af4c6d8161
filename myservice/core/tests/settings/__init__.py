"""Tests of core/settings/, one module per module."""
