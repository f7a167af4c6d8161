"""What the service tells about itself: probes, logs, the request log, metrics, tracing."""
