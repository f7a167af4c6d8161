"""Tests of core/api/, one module per module."""
