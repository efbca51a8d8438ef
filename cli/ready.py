"""``reconnect ready``: the checks behind ``/readyz`` from the command line.

For operators, and as the healthcheck of containers without an HTTP port (worker, beat):
exits 0 when the database, its migrations, Redis and the SMTP relay are all fine, 1 when
any is not, printing each check's result.
"""

from __future__ import annotations

import argparse
import json

from reconnect.readiness import OK, Readiness
from reconnect.settings import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ready = sub.add_parser(
        "ready", help="check the database, migrations, Redis and SMTP; exit 1 if any fails")
    ready.add_argument("--json", action="store_true",
                       help="print the same JSON as GET /readyz")
    ready.set_defaults(func=_ready)


def _ready(args: argparse.Namespace) -> int:
    from cli.dev_stack import load_stack_env

    load_stack_env()  # a running `make run` stack's Redis and database, if there is one
    get_settings.cache_clear()
    readiness = Readiness(get_settings())
    try:
        report = readiness.check()
    finally:
        readiness.close()
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        for name, result in report.checks.items():
            print(f"{'✓' if result == OK else '✗'} {name:<11} {result}")
        print("Ready." if report.ready else "Not ready.")
    return 0 if report.ready else 1
