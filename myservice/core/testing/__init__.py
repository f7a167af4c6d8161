"""Test support: the pytest plugin, real servers and stand-ins (docs/testing.md).

Nothing that ships imports this package, and it does not ship; only plugin.py and callers.py
import pytest, so that the benchmark and the tooling start servers without it.
"""
