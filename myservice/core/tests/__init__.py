"""Tests of the skeleton's plumbing, one module per module of core."""
