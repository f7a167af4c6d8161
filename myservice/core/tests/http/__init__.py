"""Tests of core/http/, one module per module."""
