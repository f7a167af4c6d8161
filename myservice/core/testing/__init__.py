"""Test support: the pytest plugin, real servers and stand-ins. Nothing that ships imports it."""
