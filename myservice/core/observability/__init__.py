"""What the service tells about itself (docs/observability.md).

Probes, logs, the request log, metrics and tracing.
"""
