"""The service's own fixtures go here.

The skeleton's (app, client, spec, serve) come from its pytest plugin, myservice/core/testing/plugin.py,
which pyproject.toml loads; docs/testing.md describes them.
"""
