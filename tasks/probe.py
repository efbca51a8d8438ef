"""A worker container's health probe: ``python -m tasks.probe NAME``.

Exits 0 when the Celery worker called ``NAME`` (docker/entrypoint.sh passes this
container's ``WORKER_NAME``) answers a ping through the broker within the timeout, 1
otherwise. The answer comes from the worker's main process, so it shows that the worker
is connected to Redis and its event loop is alive, even while every pool process is busy
sending. Cheaper than ``celery -A tasks.worker inspect ping``: it builds a bare Celery
client instead of importing the worker module (which builds a runtime and loads the
program files).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kombu.exceptions import OperationalError

from reconnect.startup import settings_or_exit
from tasks.celery_app import make_celery

DEFAULT_TIMEOUT_SECONDS = 5.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.probe", description=__doc__)
    parser.add_argument("name", help="the worker's node name, e.g. worker@3f2a9c1b0d4e")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    args = parser.parse_args(argv)
    app = make_celery(settings_or_exit())
    try:
        replies = app.control.ping(destination=[args.name], timeout=args.timeout)
    except OperationalError as exc:
        print(f"cannot reach the broker: {exc}", file=sys.stderr)
        return 1
    finally:
        app.close()
    if any(args.name in reply for reply in replies or []):
        print(f"{args.name} answered")
        return 0
    print(f"{args.name} did not answer a ping within {args.timeout:g} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
