"""Each relay's webhook: checking that the provider sent it, and reading its reports."""

from __future__ import annotations


class WebhookRejected(Exception):
    """Not from the provider, or not something the provider sends. ``reason`` is a short
    code for metrics; ``status`` the HTTP answer."""

    def __init__(self, reason: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def as_dict(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise WebhookRejected("malformed", f"{what} must be a JSON object", 400)
    return value


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
