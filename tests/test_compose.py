"""docker-compose.yml and the image it builds, checked without a Docker engine: Debian's
`docker-compose` validates and interpolates the files, and PyYAML reads their shape.

The stack's processes themselves are run by tests/test_entrypoints.py."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconnect.settings import PROJECT_ROOT, Environment, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
RELAY = PROJECT_ROOT / "docker-compose.relay.yml"
ENTRYPOINT = PROJECT_ROOT / "docker" / "entrypoint.sh"
APP_ROLES = {"migrate": "migrate", "api": "api", "worker": "worker", "beat": "beat"}
SECRET = "compose-test-secret-" + "k" * 32
RELAY_ENV = {"RECONNECT_SMTP_HOST": "smtp.example.com",
             "RECONNECT_BASE_URL": "https://reconnect.example.org"}
# Variables the entrypoint reads that are not the operator's to set.
NOT_SETTINGS = {"TMPDIR"}


def _docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing; .ci/run installs Debian's package")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    return found


def compose(project: Path, *files: Path, dotenv: dict[str, str] | None = None,
            env: dict[str, str] | None = None, dotenv_text: str = "",
            args: tuple[str, ...] = ("config", "-q")) -> subprocess.CompletedProcess[str]:
    """`docker-compose -f ... <args>` as an operator runs it: in a project folder holding
    ``dotenv_text`` and ``dotenv`` as its .env (never the developer's own), with nothing
    else in the environment but ``env``."""
    (project / ".env").write_text(
        dotenv_text + "".join(f"{k}={v}\n" for k, v in (dotenv or {}).items()))
    command = [_docker_compose(), "--project-directory", str(project)]
    for file in files:
        command += ["-f", str(file)]
    return subprocess.run([*command, *args], cwd=project, capture_output=True, text=True,
                          timeout=60, check=False,
                          env={"PATH": os.environ["PATH"], "HOME": str(project), **(env or {})})


def resolved(project: Path, *files: Path, dotenv: dict[str, str],
             dotenv_text: str = "") -> dict[str, Any]:
    result = compose(project, *files, dotenv=dotenv, dotenv_text=dotenv_text,
                     args=("config",))
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load(result.stdout)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return loaded


def test_a_copy_of_the_example_env_is_a_valid_stack(tmp_path: Path) -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    result = compose(tmp_path, COMPOSE, dotenv_text=example)
    assert result.returncode == 0, result.stderr


def test_no_secret_is_an_environment_variable_of_any_container(tmp_path: Path) -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    for files in ((COMPOSE,), (COMPOSE, RELAY)):
        found = resolved(tmp_path, *files, dotenv_text=example, dotenv=RELAY_ENV)["services"]
        for name, service in found.items():
            environment = service.get("environment") or {}
            for variable in ("RECONNECT_SECRET_KEY", "RECONNECT_ADMIN_TOKEN",
                             "POSTGRES_PASSWORD"):
                assert not environment.get(variable), (name, variable)
        for name in APP_ROLES:
            environment = found[name]["environment"]
            assert environment["RECONNECT_SECRET_KEY_FILE"] == "/run/secrets/secret_key"
            assert environment["RECONNECT_DATABASE_PASSWORD_FILE"] == \
                "/run/secrets/postgres_password"
            assert environment["RECONNECT_DATABASE_URL"] == \
                "postgresql+psycopg://reconnect@postgres:5432/reconnect"


def test_the_database_password_goes_only_where_it_is_used(tmp_path: Path) -> None:
    found = resolved(tmp_path, COMPOSE, dotenv={})["services"]
    holders = {name for name, service in found.items()
               if "postgres_password" in str(service.get("secrets"))}
    assert holders == {"postgres", *APP_ROLES}


def test_the_app_containers_are_locked_down_and_limited() -> None:
    for name, service in services().items():
        assert service["mem_limit"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        if name not in APP_ROLES:
            continue
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert service["pids_limit"]
        assert service["cpus"]
        mounts = [t.partition(":")[0] for t in service["tmpfs"]]
        assert mounts == ["/tmp", "/app/var"]


def test_worker_and_beat_counts_are_kept_in_the_env_file(tmp_path: Path) -> None:
    found = resolved(tmp_path, COMPOSE, dotenv={"WORKER_REPLICAS": "4",
                                                "BEAT_REPLICAS": "2"})["services"]
    assert int(found["worker"]["deploy"]["replicas"]) == 4
    assert int(found["beat"]["deploy"]["replicas"]) == 2
    default = resolved(tmp_path, COMPOSE, dotenv={})["services"]
    assert int(default["worker"]["deploy"]["replicas"]) == 1


def test_make_secrets_creates_what_is_missing_and_keeps_what_is_there(
        tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "docker", tmp_path / "docker")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "secret_key").write_text("the-one-every-link-uses")
    result = subprocess.run([str(tmp_path / "docker" / "make-secrets")], capture_output=True,
                            text=True, timeout=30, check=True)
    assert "kept     secrets/secret_key" in result.stdout
    folder = tmp_path / "secrets"
    assert (folder / "secret_key").read_text() == "the-one-every-link-uses"
    assert len((folder / "admin_token").read_text().strip()) >= 32
    assert (folder / "smtp_password").read_text() == ""
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "postgres_password").stat().st_mode) == 0o644
    declared = set(yaml.safe_load(COMPOSE.read_text())["secrets"]) | \
        set(yaml.safe_load(RELAY.read_text())["secrets"])
    assert declared == {p.name for p in folder.iterdir()}


def test_the_relay_variant_is_valid(tmp_path: Path) -> None:
    result = compose(tmp_path, COMPOSE, RELAY,
                     dotenv=RELAY_ENV)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(RELAY_ENV))
def test_the_relay_variant_needs_a_relay_and_a_public_address(tmp_path: Path,
                                                              missing: str) -> None:
    dotenv = dict(RELAY_ENV)
    del dotenv[missing]
    result = compose(tmp_path, COMPOSE, RELAY, dotenv=dotenv)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_mailpit_catches_mail_unless_the_relay_file_is_added(tmp_path: Path) -> None:
    dotenv = {"RECONNECT_SMTP_HOST": "smtp.example.com",
              "RECONNECT_SMTP_PORT": "465", "RECONNECT_SMTP_SECURITY": "tls",
              "RECONNECT_SMTP_USERNAME": "relay-user",
              "RECONNECT_BASE_URL": "https://reconnect.example.org"}
    development = resolved(tmp_path, COMPOSE, dotenv=dotenv)["services"]
    relay = resolved(tmp_path, COMPOSE, RELAY, dotenv=dotenv)["services"]
    for name in APP_ROLES:
        mailpit = development[name]["environment"]
        assert (mailpit["RECONNECT_SMTP_HOST"], mailpit["RECONNECT_SMTP_PORT"]) == \
            ("mailpit", "1025")
        # No login: production refuses a password sent over a plain connection.
        assert mailpit["RECONNECT_SMTP_USERNAME"] == mailpit["RECONNECT_SMTP_PASSWORD"] == ""
        real = relay[name]["environment"]
        assert (real["RECONNECT_SMTP_HOST"], real["RECONNECT_SMTP_PORT"],
                real["RECONNECT_SMTP_SECURITY"]) == ("smtp.example.com", "465", "tls")
        # The relay's password: from its secret file, never the environment.
        assert (real["RECONNECT_SMTP_USERNAME"], real["RECONNECT_SMTP_PASSWORD"],
                real["RECONNECT_SMTP_PASSWORD_FILE"]) == \
            ("relay-user", "", "/run/secrets/smtp_password")
        assert "smtp_password" not in str(development[name].get("secrets"))
        assert real["RECONNECT_ENV"] == "production"
    assert "profiles" not in development["mailpit"]
    assert relay["mailpit"]["profiles"] == ["mailpit"]  # not started unless asked for


def test_a_relay_set_up_from_the_example_env_is_reached_over_starttls(tmp_path: Path) -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    relay = resolved(tmp_path, COMPOSE, RELAY, dotenv_text=example,
                     dotenv=RELAY_ENV)["services"]
    for name in APP_ROLES:
        real = relay[name]["environment"]
        assert (real["RECONNECT_SMTP_PORT"], real["RECONNECT_SMTP_SECURITY"]) == \
            ("587", "starttls")


@pytest.mark.parametrize("files", [(COMPOSE,), (COMPOSE, RELAY)], ids=["mailpit", "relay"])
def test_what_the_containers_get_passes_the_apps_production_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: tuple[Path, ...]) -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    found = resolved(tmp_path, *files, dotenv_text=example,
                     dotenv={**RELAY_ENV, "RECONNECT_SMTP_USERNAME": "relay-user"})["services"]
    secrets = {"secret_key": SECRET, "admin_token": "", "postgres_password": "pg/pass@word",
               "smtp_password": "relay-password"}
    for name, value in secrets.items():  # what docker/make-secrets and the operator wrote
        (tmp_path / name).write_text(value + "\n")
    for name in APP_ROLES:
        for variable in [v for v in os.environ if v.startswith("RECONNECT_")]:
            monkeypatch.delenv(variable)
        for variable, value in found[name]["environment"].items():
            monkeypatch.setenv(variable, str(value).replace("/run/secrets/", f"{tmp_path}/"))
        settings = Settings(_env_file=None)
        assert settings.env is Environment.PRODUCTION
        assert settings.secret_key == SECRET
        assert settings.admin_token is None
        assert settings.database_url == \
            "postgresql+psycopg://reconnect:pg%2Fpass%40word@postgres:5432/reconnect"
        if RELAY in files:
            assert settings.smtp_password == "relay-password"


def test_every_app_service_is_one_image_through_one_entrypoint() -> None:
    found = services()
    images = {(repr(found[name]["build"]), found[name]["image"]) for name in APP_ROLES}
    assert len(images) == 1
    for name, role in APP_ROLES.items():
        assert found[name]["command"] == [role]
        assert "entrypoint" not in found[name]  # the image's: docker/entrypoint.sh
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "docker/entrypoint.sh /usr/local/bin/reconnect-entrypoint" in dockerfile
    assert 'ENTRYPOINT ["reconnect-entrypoint"]' in dockerfile
    script = ENTRYPOINT.read_text()
    for role in APP_ROLES.values():
        assert re.search(rf"^\s+{role}\)$", script, re.MULTILINE), role
    assert os.access(ENTRYPOINT, os.X_OK)


def test_healthchecks_use_the_entrypoint_and_the_data_stores_their_own() -> None:
    found = services()
    assert found["api"]["healthcheck"]["test"] == ["CMD", "reconnect-entrypoint", "health",
                                                   "api"]
    assert found["worker"]["healthcheck"]["test"] == ["CMD", "reconnect-entrypoint",
                                                      "health", "worker"]
    assert "pg_isready" in found["postgres"]["healthcheck"]["test"]
    assert "ping" in found["redis"]["healthcheck"]["test"]


def test_data_is_kept_in_volumes_and_redis_appends_every_write() -> None:
    found = services()
    command = found["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in found["redis"]["volumes"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in found["postgres"]["volumes"])


def test_the_app_starts_only_after_a_successful_migration() -> None:
    found = services()
    for name in ("api", "worker", "beat"):
        needs = found[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"
    assert found["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert found["migrate"]["restart"] == "no"  # one-shot


def test_workers_and_beats_can_run_side_by_side() -> None:
    found = services()
    for name in ("worker", "beat"):  # a second beat stands by (tests/test_beat_leader.py)
        assert "container_name" not in found[name]
        assert "ports" not in found[name]


def test_every_long_running_service_restarts_itself() -> None:
    for name, service in services().items():
        if name != "migrate":
            assert service["restart"] == "unless-stopped", name


def test_the_image_holds_no_secret() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for secret in ("SECRET_KEY", "ADMIN_TOKEN", "PASSWORD"):
        assert secret not in dockerfile
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for kept_out in (".env", ".venv", "var", "test-artifacts", ".git", "secrets"):
        assert kept_out in ignored


def test_every_variable_an_operator_can_set_is_in_the_example_env() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text() + RELAY.read_text()))
    used |= set(re.findall(r"\$\{(\w+):-", ENTRYPOINT.read_text())) - NOT_SETTINGS
    assert sorted(v for v in used if v not in example) == []


def test_the_image_builds_with_the_classic_builder_too() -> None:
    # Debian's docker-compose 1.29 builds without BuildKit: its syntax must not be needed.
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for buildkit_only in ("--mount=", "--chmod=", "--link", "# syntax="):
        assert buildkit_only not in dockerfile


def test_the_final_image_takes_only_the_installed_dependencies_from_the_build() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.findall(r"COPY --from=(\S+)", final_stage) == ["build"]
    assert "COPY --from=build /opt/venv /opt/venv" in final_stage
    assert "USER reconnect" in final_stage
    assert not re.search(r"apt-get install|gcc|build-essential", final_stage)
