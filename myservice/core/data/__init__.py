"""The database: engine and sessions, errors, URLs, tables, migrations (docs/data.md)."""
