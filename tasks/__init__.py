"""The Celery process shell: configuration and thin tasks that call the domain."""
