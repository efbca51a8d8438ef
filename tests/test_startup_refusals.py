"""Production refuses settings that would leak credentials or break links, naming the
setting and the fix; every process (API, worker, the command) stops with that message
and exit status 1, never with a traceback or the values it was given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from reconnect.settings import PROJECT_ROOT, Settings
from reconnect.startup import describe_settings_error
from tests.support.smtp import free_port

# What docker-compose.yml gives every service (with a real secret in .env): accepted.
COMPOSE: dict[str, Any] = {
    "env": "production", "secret_key": "k" * 48,
    "database_url": "postgresql+psycopg://reconnect:reconnect@postgres:5432/reconnect",
    "redis_url": "redis://redis:6379/0", "smtp_host": "mailpit", "smtp_port": 1025,
    "base_url": "http://localhost:8000",
}
RELAY: dict[str, Any] = {"smtp_host": "smtp.example.org", "smtp_port": 587,
                         "smtp_security": "starttls", "smtp_username": "reconnect"}


def _problems(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **{**COMPOSE, **changes})
    return describe_settings_error(caught.value)


@pytest.mark.parametrize("changes", [
    {},
    {"base_url": "https://reconnect.example.org"},
    {"base_url": "http://127.0.0.1:8000"},
    {**RELAY, "smtp_password": "a-real-relay-password"},
    {"smtp_username": "local", "smtp_password": "pw-for-a-local-relay",
     "smtp_host": "127.0.0.1"},
    {"database_url": "postgresql+psycopg://reconnect@db/reconnect"},  # trust or .pgpass
    {"redis_url": "redis://:a-long-redis-password@redis:6379/0"},
])
def test_production_accepts(changes: dict[str, Any]) -> None:
    Settings(_env_file=None, **{**COMPOSE, **changes})


@pytest.mark.parametrize(("changes", "expected"), [
    ({"secret_key": "change-me"}, "RECONNECT_SECRET_KEY must be set to a random value of "
                                  "at least 32 characters in production"),
    ({"secret_key": "only-twenty-characters"}, "RECONNECT_SECRET_KEY must be set"),
    ({"admin_token": "change-me-change-me"}, "RECONNECT_ADMIN_TOKEN must be a random value "
                                             "of at least 32 characters"),
    ({"redis_url": None}, "RECONNECT_REDIS_URL must be set in production"),
    ({"outbox_enabled": True}, "RECONNECT_TIME_TRAVEL and RECONNECT_OUTBOX_ENABLED are "
                               "development tools"),
    ({"base_url": "http://reconnect.example.org"}, "RECONNECT_BASE_URL must be the public "
                                                   "https:// address in production"),
    ({"base_url": "reconnect.example.org"}, "RECONNECT_BASE_URL must be the public https://"),
    ({**RELAY}, "RECONNECT_SMTP_PASSWORD must be set to the relay's password when "
                "RECONNECT_SMTP_USERNAME is set"),
    ({**RELAY, "smtp_password": ""}, "RECONNECT_SMTP_PASSWORD must be set"),
    ({**RELAY, "smtp_password": "Change-Me"}, "RECONNECT_SMTP_PASSWORD must be set"),
    ({**RELAY, "smtp_password": "a-real-relay-password", "smtp_security": "none"},
     "RECONNECT_SMTP_SECURITY is none while RECONNECT_SMTP_USERNAME is set: the password "
     "would cross the network unencrypted. Set it to starttls"),
    ({"smtp_password": "a-real-relay-password"}, "RECONNECT_SMTP_PASSWORD is set but "
                                                 "RECONNECT_SMTP_USERNAME is not"),
    ({"database_url": "postgresql+psycopg://reconnect:change-me@postgres/reconnect"},
     "RECONNECT_DATABASE_URL has an empty or placeholder password (such as change-me): "
     "give the server's user a real password"),
    ({"redis_url": "redis://:changeme@redis:6379/0"},
     "RECONNECT_REDIS_URL has an empty or placeholder password"),
])
def test_production_refuses(changes: dict[str, Any], expected: str) -> None:
    assert expected in _problems(**changes)


def test_every_problem_is_reported_at_once_without_the_values() -> None:
    message = _problems(secret_key="short-secret-value", base_url="http://example.org",
                        database_url="postgresql+psycopg://u:change-me@db/x",
                        admin_token="a-token-that-is-too-short", **RELAY)
    lines = message.splitlines()
    assert lines[0] == ("Reconnect cannot start: the settings have problems "
                        "(see docs/configuration.md):")
    assert [line.split()[1] for line in lines[1:]] == [
        "RECONNECT_SECRET_KEY", "RECONNECT_ADMIN_TOKEN", "RECONNECT_BASE_URL",
        "RECONNECT_SMTP_PASSWORD", "RECONNECT_DATABASE_URL"]
    for value in ("short-secret-value", "a-token-that-is-too-short", "u:change-me"):
        assert value not in message


def test_a_field_error_names_the_variable() -> None:
    assert "  - RECONNECT_SMTP_PORT: Input should be less than or equal to 65535" in \
        _problems(smtp_port=70000)


def _unsafe_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env.update(PYTHONPATH=str(PROJECT_ROOT), RECONNECT_ENV="production",
               RECONNECT_SECRET_KEY="change-me", RECONNECT_REDIS_URL="redis://127.0.0.1:1/6",
               RECONNECT_SMTP_USERNAME="reconnect", RECONNECT_SMTP_SECURITY="starttls",
               RECONNECT_SMTP_PASSWORD="change-me",
               RECONNECT_ADMIN_TOKEN="admin-token-value-too-short")
    return env


@pytest.mark.parametrize("command", [
    ["-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", "{port}"],
    ["-m", "celery", "-A", "tasks.worker", "worker", "-P", "solo"],
    ["-m", "cli", "db", "upgrade"],
], ids=["api", "worker", "migrate"])
def test_processes_stop_with_the_message(command: list[str], tmp_path: Path) -> None:
    # From an empty folder, so no .env file adds settings.
    argv = [sys.executable, *(part.format(port=free_port()) for part in command)]
    done = subprocess.run(argv, cwd=tmp_path, env=_unsafe_env(), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-4:] == [
        "Reconnect cannot start: the settings have problems (see docs/configuration.md):",
        "  - RECONNECT_SECRET_KEY must be set to a random value of at least 32 characters in "
        "production (python -c 'import secrets; print(secrets.token_urlsafe(48))')",
        "  - RECONNECT_ADMIN_TOKEN must be a random value of at least 32 characters in "
        "production, or unset to turn admin access off",
        "  - RECONNECT_SMTP_PASSWORD must be set to the relay's password when "
        "RECONNECT_SMTP_USERNAME is set (it is missing, empty or a placeholder such as "
        "change-me)"]
    assert "Traceback" not in done.stderr
    assert "admin-token-value-too-short" not in done.stderr + done.stdout
