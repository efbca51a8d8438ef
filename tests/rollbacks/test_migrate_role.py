"""The `migrate` container on a rolled-back release, as compose runs it
(docker/entrypoint.sh migrate): exit 0 on a newer schema it can run on, so api, worker and
beat are replaced; exit 1 with the command to run, and no traceback, otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnect.db.migrate import script_directory, upgrade
from tests.rollbacks.conftest import FUTURE, NewerRelease
from tests.support.entrypoints import Entrypoints, base_env

SECRET = "migrate-role-test-secret-" + "z" * 32
HEAD = str(script_directory().get_current_head())


def _migrate(tmp_path: Path, url: str) -> tuple[int, str]:
    entrypoints = Entrypoints(tmp_path, base_env(
        RECONNECT_ENV="production", RECONNECT_SECRET_KEY=SECRET, RECONNECT_DATABASE_URL=url,
        RECONNECT_REDIS_URL="redis://127.0.0.1:1/0", DB_WAIT_SECONDS="10"))
    result = entrypoints.run("migrate")
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(("compatible", "status"), [(True, 0), (False, 1)])
def test_migrate_on_a_database_a_newer_release_migrated(
        scratch_url: str, newer_release: NewerRelease, tmp_path: Path, compatible: bool,
        status: int) -> None:
    upgrade(scratch_url, newer_release(backward_compatible=compatible))
    code, output = _migrate(tmp_path, scratch_url)
    assert code == status, output
    assert f"The database is at {FUTURE}, newer than this release" in output
    assert "Traceback" not in output
    if not compatible:
        assert f"reconnect db downgrade {HEAD}" in output
