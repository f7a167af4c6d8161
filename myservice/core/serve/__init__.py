"""`make serve`: the production server, its supervisor, its workers and their configuration."""
