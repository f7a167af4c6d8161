"""Tests of the benchmark's own logic."""
