"""HTTP as the service speaks it (docs/api.md).

Problem documents, the request class, JSON, request ids, security headers and the client's
address.
"""
