"""Waiting for the database to accept connections before a process that needs it starts.

``python -m reconnect.startup.wait`` is what docker/entrypoint.sh runs before every role. On a
first ``docker compose up`` or after a host reboot, PostgreSQL can take seconds to accept
connections; waiting here turns a crash loop full of tracebacks into one clear line per
try, and gives up with a plain message after a bounded time.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

# First retry after half a second, then doubling up to this: a database that is starting
# answers within seconds, and one that is down is not helped by tighter polling.
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 5.0
DEFAULT_TIMEOUT_SECONDS = 60.0


def describe(url: str) -> str:
    """The URL without its password, fit for a log line."""
    return make_url(url).render_as_string(hide_password=True)


def wait_for_database(url: str, timeout: float, *,
                      log: Callable[[str], None] = print) -> bool:
    """True once a ``SELECT 1`` succeeds; False when ``timeout`` seconds ran out first."""
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        # An address that drops packets would otherwise hang one try for minutes.
        connect_args["connect_timeout"] = max(1, int(min(MAX_DELAY_SECONDS, timeout)))
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    deadline = time.monotonic() + timeout
    delay = FIRST_DELAY_SECONDS
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                if attempt > 1:
                    log(f"The database at {describe(url)} accepts connections.")
                return True
            except DBAPIError as exc:
                reason = _first_line(exc)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log(f"Still no database at {describe(url)} after attempt {attempt}: "
                        f"{reason}")
                    return False
                pause = min(delay, remaining)
                log(f"Waiting for the database at {describe(url)} (attempt {attempt}: "
                    f"{reason}); trying again in {pause:.1f} s")
                time.sleep(pause)
                delay = min(delay * 2, MAX_DELAY_SECONDS)
    finally:
        engine.dispose()


def _first_line(exc: DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


def main(argv: Sequence[str] | None = None) -> int:
    from reconnect.logging import configure_logging
    from reconnect.startup import settings_or_exit

    parser = argparse.ArgumentParser(
        prog="python -m reconnect.startup.wait",
        description="Wait until RECONNECT_DATABASE_URL accepts connections.")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS,
                        help="seconds to keep trying (default %(default)s)")
    args = parser.parse_args(argv)
    url = settings_or_exit().database_url
    # Before every long-running role: its lines are JSON like the rest of that log.
    configure_logging()
    logger = logging.getLogger("reconnect.startup.wait")

    def log(line: str) -> None:
        logger.info(line)

    if wait_for_database(url, args.timeout, log=log):
        return 0
    log(f"The database at {describe(url)} did not accept connections within "
        f"{args.timeout:g} s. Check that it is running and that RECONNECT_DATABASE_URL "
        "names the right host, port, user and password.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
