"""The database: engine and sessions, errors as problems, URLs, tables, migrations."""
