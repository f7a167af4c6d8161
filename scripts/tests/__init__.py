"""Tests of the tooling: scaffolding, renaming, the API snapshot and fuzzing."""
