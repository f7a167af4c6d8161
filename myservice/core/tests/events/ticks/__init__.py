"""The tests' scheduled jobs and their handlers: an app whose events are these fires them."""
