"""Rolling the code back onto a database a newer release migrated: `migrate` says whether
this release can run on it, and `reconnect db downgrade` steps the schema back."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from cli.main import main
from reconnect.db.migrate import downgrade, read_state, script_directory, upgrade
from reconnect.readiness.checks import check_database, probe_engine
from reconnect.settings import get_settings
from reconnect.startup import database_problem
from tests.rollbacks.conftest import FUTURE, NewerRelease

HEAD = str(script_directory().get_current_head())


def _revision(url: str) -> str:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        found = str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    engine.dispose()
    return found


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_migrate_exits_0_on_a_newer_schema_that_only_added(
        scratch_url: str, newer_release: NewerRelease,
        capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(scratch_url, newer_release(backward_compatible=True))
    assert main(["db", "upgrade"]) == 0
    said = capsys.readouterr().out
    assert f"The database is at {FUTURE}, newer than this release" in said
    assert "marked backward-compatible, so this release runs on it" in said
    assert _revision(scratch_url) == FUTURE  # nothing was touched


def test_migrate_refuses_a_newer_schema_it_cannot_run_on_and_names_the_command(
        scratch_url: str, newer_release: NewerRelease,
        capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(scratch_url, newer_release(backward_compatible=False))
    assert main(["db", "upgrade"]) == 1
    said = capsys.readouterr().err
    assert f"{FUTURE} is not backward-compatible" in said
    assert f"`reconnect db downgrade {HEAD}`" in said
    assert "docker compose run --rm migrate" in said
    assert "Traceback" not in said


def test_a_newer_migration_that_does_not_say_is_taken_as_not_compatible(
        scratch_url: str, newer_release: NewerRelease) -> None:
    upgrade(scratch_url, newer_release(backward_compatible=None))
    state = read_state(scratch_url)
    assert state.ahead is not None
    assert state.ahead.blocking == (FUTURE,)


def test_a_revision_nothing_recorded_is_refused(
        scratch_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(scratch_url)
    engine = create_engine(scratch_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    assert main(["db", "upgrade"]) == 1
    assert "cannot tell whether it can run on it" in capsys.readouterr().err


def test_workers_run_on_a_compatible_newer_schema_and_refuse_an_incompatible_one(
        scratch_url: str, newer_release: NewerRelease) -> None:
    upgrade(scratch_url, newer_release(backward_compatible=True))
    assert database_problem(get_settings(), ", then start the worker again") is None
    downgrade(scratch_url, HEAD, newer_release(backward_compatible=True))
    upgrade(scratch_url, newer_release(backward_compatible=False))
    problem = database_problem(get_settings(), ", then start the worker again")
    assert problem is not None
    assert f"reconnect db downgrade {HEAD}" in problem
    assert problem.endswith(", then start the worker again.")


def test_readiness_is_ok_on_a_compatible_newer_schema_only(
        scratch_url: str, newer_release: NewerRelease) -> None:
    engine = probe_engine(scratch_url)
    upgrade(scratch_url, newer_release(backward_compatible=True))
    assert check_database(engine, script_directory(), scratch_url)["migrations"] == "ok"
    downgrade(scratch_url, HEAD, newer_release(backward_compatible=True))
    upgrade(scratch_url, newer_release(backward_compatible=False))
    found = check_database(engine, script_directory(), scratch_url)["migrations"]
    engine.dispose()
    assert found.startswith(f"ahead: The database is at {FUTURE}")


def test_the_newer_release_downgrades_then_this_release_upgrades_again(
        scratch_url: str, newer_release: NewerRelease) -> None:
    newer = newer_release(backward_compatible=False)
    upgrade(scratch_url, newer)
    downgrade(scratch_url, HEAD, newer)
    assert _revision(scratch_url) == HEAD
    assert "future_things" not in _tables(scratch_url)
    state = read_state(scratch_url)
    assert state.is_current
    assert state.ahead is None
    upgrade(scratch_url, newer)  # and forward again, with the newer release
    assert _revision(scratch_url) == FUTURE


def test_downgrade_refuses_a_revision_this_release_does_not_have(
        scratch_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(scratch_url)
    assert main(["db", "downgrade", "0042"]) == 1
    assert "This release has no migration '0042'" in capsys.readouterr().err
    assert _revision(scratch_url) == HEAD


def test_downgrade_refuses_a_database_only_a_newer_release_knows(
        scratch_url: str, newer_release: NewerRelease,
        capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(scratch_url, newer_release(backward_compatible=True))
    assert main(["db", "downgrade", "0005"]) == 1
    assert "run `reconnect db downgrade` with the release that applied it" in \
        capsys.readouterr().err
    assert _revision(scratch_url) == FUTURE


def test_downgrading_to_where_the_database_already_is_changes_nothing(
        scratch_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(scratch_url)
    assert main(["db", "downgrade", HEAD]) == 0
    assert f"Nothing to undo: the database is at {HEAD}" in capsys.readouterr().out
