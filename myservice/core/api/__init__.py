"""The API's contract: request and response validation, the OpenAPI document, /docs."""
