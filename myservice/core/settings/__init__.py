"""Settings: the Setting type, the layers (defaults, file, environment, overrides), `make config`."""
