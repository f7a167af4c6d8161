"""Alembic migrations: env.py (the skeleton's) and versions/ (the service's revisions)."""
