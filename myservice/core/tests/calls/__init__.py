"""Tests of core/calls/, one module per module."""
