"""Secrets from files (Docker secrets): read where RECONNECT_<NAME>_FILE points, the
database password put into its URL, an empty file as unset, and every mistake a plain
line that names the variable, never the secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconnect.settings import Settings, get_settings
from reconnect.startup import settings_or_exit
from tests.support.entrypoints import base_env

SECRET = "secret-from-a-file-" + "s" * 32


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith("RECONNECT_"):
            monkeypatch.delenv(name)
    return monkeypatch


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_secret_is_read_from_its_file(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RECONNECT_SECRET_KEY_FILE", _file(tmp_path, "key", f"{SECRET}\n"))
    clean_env.setenv("RECONNECT_ADMIN_TOKEN_FILE", _file(tmp_path, "token", ""))
    settings = Settings(_env_file=None)
    assert settings.secret_key == SECRET
    assert settings.admin_token is None  # an empty file: admin stays off


def test_the_database_password_file_goes_into_the_url_escaped(
        tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RECONNECT_DATABASE_URL", "postgresql+psycopg://reconnect@db:5432/app")
    clean_env.setenv("RECONNECT_DATABASE_PASSWORD_FILE", _file(tmp_path, "pw", "p@ss/w:rd\n"))
    assert Settings(_env_file=None).database_url == \
        "postgresql+psycopg://reconnect:p%40ss%2Fw%3Ard@db:5432/app"


@pytest.mark.parametrize(("variables", "said"), [
    ({"RECONNECT_SECRET_KEY": SECRET, "RECONNECT_SECRET_KEY_FILE": "key"},
     "RECONNECT_SECRET_KEY and RECONNECT_SECRET_KEY_FILE are both set: keep one"),
    ({"RECONNECT_ADMIN_TOKEN_FILE": "/no/such/file"},
     "RECONNECT_ADMIN_TOKEN_FILE names /no/such/file, which cannot be read"),
    ({"RECONNECT_DATABASE_PASSWORD_FILE": "key"},
     "RECONNECT_DATABASE_PASSWORD_FILE needs RECONNECT_DATABASE_URL with a user"),
])
def test_a_mistake_stops_the_process_with_one_plain_line(
        tmp_path: Path, clean_env: pytest.MonkeyPatch, variables: dict[str, str],
        said: str) -> None:
    key = _file(tmp_path, "key", SECRET)
    for name, value in variables.items():
        clean_env.setenv(name, key if value == "key" else value)
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            settings_or_exit()
    finally:
        get_settings.cache_clear()
    assert said in str(stopped.value)
    assert SECRET not in str(stopped.value)


def test_a_command_says_so_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "db", "upgrade"], cwd=tmp_path,
        env=base_env(RECONNECT_SECRET_KEY_FILE=str(tmp_path / "missing")),
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "RECONNECT_SECRET_KEY_FILE names" in result.stderr
    assert "Traceback" not in result.stderr
