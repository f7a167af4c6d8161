"""Tooling that is not part of the service: scaffolding, renaming and fuzzing (`make help`)."""
