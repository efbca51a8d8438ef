"""The ``reconnect`` command: database, program, clock, admin and the development stack."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from cli import admin as admin_cli
from cli import db as db_cli
from cli import program_preview as preview_cli
from cli import program_versions as version_cli
from cli import ready as ready_cli
from reconnect.program.loader import ProgramError, load_program_dir, program_dirs
from reconnect.progress import track
from reconnect.secret_files import SecretFileError
from reconnect.settings import get_settings
from reconnect.startup import describe_settings_error

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a duration; use a number and a unit, e.g. 30m, 12h, 7d, 2w")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def _validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    directories = [Path(args.directory)] if args.directory else \
        program_dirs(settings.program_dir)
    if not directories:
        print(f"No program found in {settings.program_dir}", file=sys.stderr)
        return 1
    failed = False
    for directory in track(directories, "Validating"):
        try:
            program = load_program_dir(directory)
        except ProgramError as exc:
            failed = True
            print(exc.report(directory))
        else:
            print(f"✓ {directory}: '{program.slug}' with {len(program.stages)} stages is valid")
    return 1 if failed else 0


def _clock(args: argparse.Namespace) -> int:
    from cli.dev_stack import load_stack_env
    from reconnect.dev import timetravel
    from reconnect.runtime import build_runtime

    load_stack_env()
    get_settings.cache_clear()
    settings = get_settings()
    sender = None
    if settings.redis_url:
        from tasks.celery_app import celery_sender

        sender = celery_sender(settings)
    rt = build_runtime(settings, sender=sender)
    try:
        if args.clock_command == "next":
            gap = timetravel.advance_to_next_due(rt)
            print(f"Moved forward {gap}." if gap else "Nothing is scheduled in the future.")
        elif args.clock_command == "advance":
            timetravel.advance(rt, args.duration.total_seconds())
            print(f"Moved forward {args.duration}.")
        print(f"Program time is now {rt.clock.now():%Y-%m-%d %H:%M:%S} UTC.")
    except timetravel.TimeTravelDisabled as exc:
        print(f"Time travel is off: {exc}", file=sys.stderr)
        return 1
    finally:
        rt.close()
    return 0


def _dev(args: argparse.Namespace) -> int:
    from cli.dev_stack import run

    return run(api_port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reconnect", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    program = sub.add_parser("program", help="work with the program files")
    program_sub = program.add_subparsers(dest="program_command", required=True)
    validate = program_sub.add_parser("validate", help="check program files; exit 1 on problems")
    validate.add_argument("directory", nargs="?", help="one program folder (default: all)")
    validate.set_defaults(func=_validate)
    preview_cli.register(program_sub)
    version_cli.register(program_sub)

    db_cli.register(sub)

    clock = sub.add_parser("clock", help="fast-forward the development clock")
    clock_sub = clock.add_subparsers(dest="clock_command", required=True)
    clock_sub.add_parser("next", help="jump to the next scheduled email").set_defaults(
        func=_clock)
    advance = clock_sub.add_parser("advance", help="jump forward by a duration (e.g. 7d)")
    advance.add_argument("duration", type=parse_duration)
    advance.set_defaults(func=_clock)
    clock_sub.add_parser("show", help="print program time").set_defaults(func=_clock)

    admin_cli.register(sub)
    ready_cli.register(sub)

    dev = sub.add_parser("dev", help="run everything locally (what `make run` does)")
    dev.add_argument("--port", type=int, default=8000)
    dev.set_defaults(func=_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        print(describe_settings_error(exc), file=sys.stderr)  # not pydantic's: it shows secrets
        return 1
    except SecretFileError as exc:
        print(f"Reconnect cannot start: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
