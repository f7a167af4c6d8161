"""The API's contract: validation, the OpenAPI document and /docs (docs/api.md)."""
