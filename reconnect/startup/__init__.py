"""Refusing to run in a broken state: what a starting process says, and when it stops.

Invalid settings stop every process with one plain line per problem, naming the setting
(never its value: pydantic's own message would print every secret it was given). A
database behind on migrations stops the worker and beat; the API starts anyway so that
``/readyz`` can say why it is not ready.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from reconnect.readiness import read_schema
from reconnect.secret_files import SecretFileError
from reconnect.settings import Settings, get_settings

log = logging.getLogger(__name__)

UPGRADE = "Run `reconnect db upgrade` (with Docker: `docker compose run --rm migrate`)"


def describe_settings_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["loc"]:
            names = ".".join(str(part) for part in error["loc"])
            message = f"RECONNECT_{names.upper()}: {message}"
        lines.extend(message.splitlines())
    problems = "\n".join(f"  - {line}" for line in lines)
    return ("Reconnect cannot start: the settings have problems (see docs/configuration.md):\n"
            f"{problems}")


def settings_or_exit() -> Settings:
    """The process's settings; invalid ones end the process with status 1 and a message
    on stderr rather than a traceback."""
    try:
        return get_settings()
    except ValidationError as exc:
        if exc.title != Settings.__name__:
            raise
        raise SystemExit(describe_settings_error(exc)) from None
    except SecretFileError as exc:
        raise SystemExit(f"Reconnect cannot start: {exc}") from None


def database_problem(settings: Settings, then: str) -> str | None:
    """Why this release cannot use the database, ending with ``then`` (what happens next,
    e.g. ", then start the worker again"), or None when it can.

    Behind (or empty) is a problem: this release's code would query tables or columns that
    are not there yet. Ahead (migrated by a newer release, then the code rolled back) is
    fine when every newer migration is marked backward-compatible (logged as a warning,
    so a rollback does not stop sending), and a problem otherwise."""
    state = read_schema(settings)
    if isinstance(state, str):
        return (f"The database is unreachable ({state}). Check RECONNECT_DATABASE_URL and "
                f"that the database server is running{then}.")
    if state.current is None:
        return (f"The database has no tables yet (no migration applied; the latest is "
                f"{state.head}). {UPGRADE}{then}.")
    if state.is_behind:
        return (f"The database is behind on migrations (at {state.current}, latest "
                f"{state.head}). {UPGRADE}{then}.")
    if state.ahead is not None and state.ahead.compatible:
        # A rollback onto a schema that only added: this release runs on it.
        log.warning("database schema is newer than this release; every newer migration "
                    "is backward-compatible", extra={"database": state.current,
                                                     "release": state.head})
    elif not state.is_current:
        problem = state.ahead.explain() if state.ahead is not None else state.problem()
        return f"{problem}{then}." if problem else None
    return None


def schema_ready_or_exit(settings: Settings, process: str) -> None:
    """Ends a starting worker or beat, logging why, when the database is unreachable or
    behind on migrations."""
    message = database_problem(settings, f", then start the {process} again")
    if message is not None:
        log.error(message)
        raise SystemExit(message)
