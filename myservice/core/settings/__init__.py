"""Settings: the Setting type, the layers and `make config` (docs/settings.md).

Each feature declares its own settings beside its code, in its folder's settings.py.
"""
