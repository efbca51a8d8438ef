"""``reconnect db upgrade`` and ``reconnect db downgrade REV``: what the ``migrate``
container runs, and how an operator steps the schema back before rolling code back.

Exit codes: 0 done (or nothing to do); 1 refused, with the command that would help.
"""

from __future__ import annotations

import argparse
import sys

from alembic.util import CommandError

from reconnect.db import migrate
from reconnect.settings import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply every migration of this release; on a "
                                           "database a newer release migrated, say whether "
                                           "this release can run on it")
    up.set_defaults(func=_upgrade)
    down = db_sub.add_parser("downgrade", help="undo migrations down to REV (run it with "
                                               "the release that applied them)")
    down.add_argument("revision", help="the revision to step back to, e.g. 0005")
    down.set_defaults(func=_downgrade)


def _upgrade(_: argparse.Namespace) -> int:
    url = get_settings().database_url
    state = migrate.read_state(url)
    if state.ahead is not None:
        if state.ahead.compatible:
            print(state.ahead.explain())
            return 0
        print(state.ahead.explain(), file=sys.stderr)
        return 1
    migrate.upgrade(url)
    print("Database is at the latest migration.")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    url = get_settings().database_url
    state = migrate.read_state(url)
    scripts = migrate.script_directory()
    known = [script.revision for script in scripts.walk_revisions()]  # newest first
    if args.revision not in known:
        print(f"This release has no migration {args.revision!r}; it knows "
              f"{', '.join(reversed(known))}.", file=sys.stderr)
        return 1
    if state.ahead is not None:
        print(f"The database is at {state.current}, which this release does not know: "
              "run `reconnect db downgrade` with the release that applied it.",
              file=sys.stderr)
        return 1
    if state.current is None or known.index(state.current) >= known.index(args.revision):
        print(f"Nothing to undo: the database is at {state.current or 'no migration'}.")
        return 0
    undone = known[known.index(state.current):known.index(args.revision)]
    for revision in undone:
        doc = (scripts.get_revision(revision).doc or "").strip().splitlines()
        print(f"Undoing {revision}: {doc[0] if doc else ''}")
    try:
        migrate.downgrade(url, args.revision)
    except CommandError as exc:
        print(f"Downgrade refused: {exc}", file=sys.stderr)
        return 1
    print(f"Database is at {args.revision}. Start the release whose newest migration is "
          f"{args.revision}.")
    return 0
