"""The service's consumers: one module per handler, each with its test module in tests/.

A module here holds a function decorated `@handles(SomeEvent)`; it is found at start, as views
are, and takes each message of that event once, in a transaction (docs/events.md).
"""
