"""The service's own tests: one module per view module."""
