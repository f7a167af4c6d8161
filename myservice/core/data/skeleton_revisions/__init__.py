"""The skeleton's revisions: the tables of core/, a branch of their own (data/migrations.py)."""
