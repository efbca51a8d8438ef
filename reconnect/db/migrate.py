"""Running Alembic from code, and knowing whether the schema is current."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.pool import NullPool

from reconnect.db.revisions import Ahead, ahead_of
from reconnect.settings import PROJECT_ROOT


def alembic_config(database_url: str, script_location: str | None = None) -> Config:
    """``script_location``: another migrations folder (tests bring one from a newer
    release)."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if script_location is not None:
        config.set_main_option("script_location", script_location)
    return config


def upgrade(database_url: str, script_location: str | None = None) -> None:
    command.upgrade(alembic_config(database_url, script_location), "head")


def downgrade(database_url: str, revision: str, script_location: str | None = None) -> None:
    command.downgrade(alembic_config(database_url, script_location), revision)


def read_state(database_url: str, script_location: str | None = None) -> SchemaState:
    """Where the database stands against these migrations (one connection, closed)."""
    from sqlalchemy import create_engine

    scripts = ScriptDirectory.from_config(alembic_config(database_url, script_location))
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return schema_state(conn, scripts)
    finally:
        engine.dispose()


def rebuild(database_url: str) -> None:
    """Drops every table and migrates from nothing: for test and benchmark databases."""
    from reconnect.db.engine import make_engine
    from reconnect.models import Base

    engine = make_engine(database_url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    upgrade(database_url)


def is_current(engine: Engine, database_url: str) -> bool:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


@dataclass(frozen=True)
class SchemaState:
    """Where the database's schema stands against this release's migrations."""

    current: str | None  # the database's revision; None when no migration was ever applied
    head: str  # the newest migration in migrations/
    known: bool  # ``current`` is one of this release's migrations
    ahead: Ahead | None = None  # set when a newer release migrated the database

    @property
    def is_current(self) -> bool:
        return self.current == self.head

    @property
    def usable(self) -> bool:
        """This release's code can run on the schema: current, or ahead through
        migrations that are all marked backward-compatible."""
        return self.is_current or (self.ahead is not None and self.ahead.compatible)

    @property
    def is_behind(self) -> bool:
        """Upgrading would help: no schema yet, or an older migration of this release."""
        return self.current is None or (self.known and not self.is_current)

    def problem(self) -> str | None:
        """What readiness reports when the schema does not match this release."""
        if self.is_current or self.usable:
            return None
        if self.current is None:
            return (f"not migrated: the database has no schema yet (head is {self.head}); "
                    "run `reconnect db upgrade`")
        if self.known:
            return (f"behind: at {self.current}, head is {self.head}; "
                    "run `reconnect db upgrade`")
        if self.ahead is not None:
            return f"ahead: {self.ahead.explain()}"
        return (f"ahead: at {self.current}, which this release does not know (its head is "
                f"{self.head}); run the release that migrated it, or downgrade the database "
                f"to {self.head} with that release")


def script_directory() -> ScriptDirectory:
    """This release's migrations (read from migrations/, no database needed). It keeps
    what it read: hold on to one rather than reading the folder on every check."""
    return ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))


def schema_state(conn: Connection, scripts: ScriptDirectory) -> SchemaState:
    head = scripts.get_current_head()
    assert head is not None, "migrations/ holds no migration"
    current = _database_revision(conn)
    known = current is not None and \
        current in {script.revision for script in scripts.walk_revisions()}
    ahead = ahead_of(conn, current, scripts) if current is not None and not known else None
    return SchemaState(current=current, head=head, known=known, ahead=ahead)


def _database_revision(conn: Connection) -> str | None:
    # What MigrationContext.get_current_revision() reads, without its two INFO lines per
    # call: readiness asks every few seconds.
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(found) or None
