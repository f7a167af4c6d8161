"""The test suite: one module per concern, and one per view module."""
