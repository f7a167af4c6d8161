"""The service's revisions, one per file, oldest first in history (see README.md)."""
