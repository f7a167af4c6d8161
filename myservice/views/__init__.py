"""The service's views: each public module here defines one Blueprint, registered at start-up.

`make view NAME=refunds` writes one, with its test module. Modules whose names start with `_`
are helpers that discovery skips.
"""
