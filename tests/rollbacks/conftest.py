"""A database of each test's own, and the migrations folder of a newer release: this
release's migrations plus one more, marked backward-compatible or not."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reconnect.db.migrate import script_directory
from reconnect.settings import PROJECT_ROOT, get_settings
from tests.support.entrypoints import scratch_database

FUTURE = "0099"

_REVISION = '''"""a newer release's migration: a table of its own

Revision ID: {revision}
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None
{flag}


def upgrade() -> None:
    op.create_table("future_things", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("future_things")
'''


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database, named by RECONNECT_DATABASE_URL for `reconnect db` commands."""
    with scratch_database(database_url, tmp_path) as url:
        monkeypatch.setenv("RECONNECT_DATABASE_URL", url)
        monkeypatch.setenv("RECONNECT_ENV", "test")
        get_settings.cache_clear()
        yield url
    get_settings.cache_clear()


NewerRelease = Callable[..., str]


@pytest.fixture
def newer_release(tmp_path: Path) -> NewerRelease:
    """``newer_release(backward_compatible=True)``: the path of a migrations folder with
    one revision after this release's newest."""

    def make(backward_compatible: bool | None = True) -> str:
        folder = tmp_path / f"newer-{backward_compatible}"
        if folder.exists():
            return str(folder)
        shutil.copytree(PROJECT_ROOT / "migrations", folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
        flag = "" if backward_compatible is None else \
            f"backward_compatible = {backward_compatible}"
        head = script_directory().get_current_head()
        (folder / "versions" / f"{FUTURE}_future.py").write_text(
            _REVISION.format(revision=FUTURE, down=head, flag=flag))
        return str(folder)

    return make
