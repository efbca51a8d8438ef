"""``reconnect program versions | diff | migrate``: what is registered, what changed, and
moving in-flight partners from one version to another."""

from __future__ import annotations

import argparse
import sys

from reconnect.editor.diff import describe_changes
from reconnect.editor.migration import (
    MigrationPlan,
    MigrationRefused,
    migrate,
    plan_migration,
)
from reconnect.editor.versions import UnknownVersion, list_versions, resolve
from reconnect.progress import track
from reconnect.runtime import command_runtime


def register(program_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    versions = program_sub.add_parser("versions", help="list registered program versions")
    versions.add_argument("--program", help="only this program (slug)")
    versions.set_defaults(func=_versions)

    diff = program_sub.add_parser(
        "diff", help="what changed between two versions, stage by stage",
        description="Versions are numbers, content-hash prefixes or 'current'. With none "
                    "given: the version before the current one against the current one.")
    diff.add_argument("old", nargs="?", help="the older version (default: the one before)")
    diff.add_argument("new", nargs="?", default="current", help="default: current")
    diff.add_argument("--program", help="program slug (default: the default program)")
    diff.set_defaults(func=_diff)

    move = program_sub.add_parser(
        "migrate", help="move in-flight partners to another version, by stage key")
    move.add_argument("--from", dest="old", required=True, help="version they are on")
    move.add_argument("--to", dest="new", required=True, help="version to move them to "
                                                              "(a number or 'current')")
    move.add_argument("--dry-run", action="store_true",
                      help="only report who would get what next; change nothing")
    move.set_defaults(func=_migrate)


def _versions(args: argparse.Namespace) -> int:
    with command_runtime() as rt, rt.read_session() as session:
        rows = list_versions(session, rt.programs, args.program)
    print(f"{'version':>7}  {'program':<12} {'hash':<12}  {'registered (UTC)':<16}  in program")
    for row in rows:
        mark = "  ← current" if row.is_current else ""
        print(f"{row.id:>7}  {row.slug:<12} {row.content_hash[:12]}  "
              f"{row.registered_at:%Y-%m-%d %H:%M}  {row.active_partners:>10}{mark}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    with command_runtime() as rt, rt.read_session() as session:
        try:
            new_id, new = resolve(session, rt.programs, args.new, args.program)
            if args.old is None:
                ids = [v.id for v in list_versions(session, rt.programs, new.slug)
                       if v.id < new_id]
                if not ids:
                    print(f"Version {new_id} is the first version of '{new.slug}'.")
                    return 0
                args.old = str(ids[-1])
            old_id, old = resolve(session, rt.programs, args.old, args.program)
        except UnknownVersion as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    lines = describe_changes(old, new)
    print(f"'{old.slug}' version {old_id} ({old.content_hash[:12]}) → "
          f"'{new.slug}' version {new_id} ({new.content_hash[:12]})")
    print("\n".join(lines) if lines else "No differences.")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    with command_runtime() as rt:
        try:
            with rt.read_session() as session:
                old_id, old = resolve(session, rt.programs, args.old)
                # 'current' means the current version of the program they are in.
                new_id, _ = resolve(session, rt.programs, args.new, old.slug)
                plan = plan_migration(rt, session, old_id, new_id, track)
            if args.dry_run or plan.refusals or not plan.moves:
                _report(plan, dry_run=True)
                return 1 if plan.refusals else 0
            plan = migrate(rt, old_id, new_id, track)
        except (UnknownVersion, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except MigrationRefused as exc:
            _report(exc.plan, dry_run=True)
            return 1
    _report(plan, dry_run=False)
    return 0


def _report(plan: MigrationPlan, *, dry_run: bool) -> None:
    verb = "would move" if dry_run else "moved"
    print(f"Partners on version {plan.from_version} → version {plan.to_version}"
          f"{' (dry run: nothing changed)' if dry_run else ''}:")
    for move in plan.moves:
        who = f"partner {move.partner_id:<6} {move.address}"
        was = f" (was '{move.waiting_key}')" if move.waiting_key not in (None,
                                                                          move.next_key) else ""
        if move.skipped:
            was += f"; skips {', '.join(repr(k) for k in move.skipped)}"
        if move.refusal is not None:
            print(f"  ✗ {who}: refused: {move.refusal}")
        elif move.next_key is None:
            print(f"  ✓ {who}: nothing left in the new version: completes the program{was}")
        else:
            assert move.next_due_at is not None
            print(f"  ✓ {who}: next '{move.next_key}' on "
                  f"{move.next_due_at:%Y-%m-%d %H:%M} UTC{was}")
    refused = len(plan.refusals)
    print(f"{len(plan.moves)} partner(s): {len(plan.moves) - refused} {verb}, "
          f"{refused} refused.")
    if refused:
        print("Nothing was changed: a migration moves everyone or no one. Make the new "
              "version keep the order of stages people have already had, or wait and "
              "run it again.")
