"""The HTTP process shell: FastAPI routes that call the domain services."""
