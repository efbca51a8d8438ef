"""Secrets from files: ``RECONNECT_<NAME>_FILE=/run/secrets/…`` for each secret setting,
as Docker secrets provide them, so no secret needs to sit in an environment variable
(which ``docker inspect`` shows).

``RECONNECT_DATABASE_PASSWORD_FILE`` puts the file's content into the password of
``RECONNECT_DATABASE_URL``. An empty file leaves its setting unset (so a compose file can
mount every secret, an optional one as an empty file). A setting given both directly
and as a file is refused: one of the two would be silently ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

SECRETS = ("secret_key", "admin_token", "smtp_password", "bounce_imap_password",
           "postmark_webhook_token", "mailgun_signing_key", "sendgrid_public_key")
# A secret file is a few lines at most; anything larger is the wrong file.
MAX_SECRET_BYTES = 16 * 1024


class SecretFileError(ValueError):
    pass


def read_secret(path: str, variable: str) -> str | None:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_SECRET_BYTES:
            raise SecretFileError(f"{variable} names {path}, which is larger than a secret")
        value = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretFileError(f"{variable} names {path}, which cannot be read "
                              f"({exc.strerror or type(exc).__name__})") from None
    return value or None


class FileSecrets(PydanticBaseSettingsSource):
    """A settings source: each RECONNECT_<NAME>_FILE found in the environment."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is read at once in __call__

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in SECRETS:
            variable = f"RECONNECT_{name.upper()}_FILE"
            path = _environ(variable)
            if path is None:
                continue
            value = read_secret(path, variable)
            if value is None:
                continue
            if _environ(f"RECONNECT_{name.upper()}"):
                raise SecretFileError(f"RECONNECT_{name.upper()} and {variable} are both "
                                      "set: keep one")
            found[name] = value
        password_file = _environ("RECONNECT_DATABASE_PASSWORD_FILE")
        if password_file is not None:
            url = _environ("RECONNECT_DATABASE_URL")
            if url is None or "@" not in url:
                raise SecretFileError("RECONNECT_DATABASE_PASSWORD_FILE needs "
                                      "RECONNECT_DATABASE_URL with a user, e.g. "
                                      "postgresql+psycopg://reconnect@postgres:5432/reconnect")
            secret = read_secret(password_file, "RECONNECT_DATABASE_PASSWORD_FILE")
            if secret is None:
                raise SecretFileError(f"RECONNECT_DATABASE_PASSWORD_FILE names "
                                      f"{password_file}, which is empty")
            password = quote(secret, safe="")
            scheme, _, rest = url.partition("://")
            user, _, host = rest.partition("@")
            found["database_url"] = f"{scheme}://{user.partition(':')[0]}:{password}@{host}"
        return found


def _environ(name: str) -> str | None:
    # Names are not case-sensitive, as for every other setting.
    for key, value in os.environ.items():
        if key.upper() == name:
            return value
    return None
