"""The JSON API (``/api/v1``): bearer tokens, pydantic models, OpenAPI by FastAPI."""
