"""Tests of core/testing/, one module per module."""
