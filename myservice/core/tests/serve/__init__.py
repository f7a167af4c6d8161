"""Tests of `make serve`: its configuration, supervisor and workers."""
