"""A safety net for the one rule of the API's threads: no database statement ever runs
on the event loop's thread (it would stop every other request while it waits).

The lifespan records the thread that runs the loop. A statement on that thread is a bug:
in development and tests it raises, in production it is logged, once per place in our
code, so the mistake is found without taking the site down."""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

from sqlalchemy import Engine, event

from reconnect.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
_loop_threads: set[int] = set()
_reported: set[str] = set()
_strict = True


class BlockingCallOnEventLoop(RuntimeError):
    pass


def loop_started() -> None:
    """Called on the event loop's own thread when the app starts."""
    _loop_threads.add(threading.get_ident())


def loop_stopped() -> None:
    _loop_threads.discard(threading.get_ident())


def on_event_loop() -> bool:
    return threading.get_ident() in _loop_threads


def watch(engine: Engine, strict: bool) -> None:
    """Checks every statement of ``engine`` from now on: raising when ``strict``, else
    logging. Watching an engine twice only changes the mode."""
    global _strict
    _strict = strict
    if not event.contains(engine, "before_cursor_execute", _check):
        event.listen(engine, "before_cursor_execute", _check)


def _check(*_: Any) -> None:
    if on_event_loop():
        report("a database statement")


def report(what: str) -> None:
    stack = traceback.extract_stack()[:-2]
    ours = [f for f in stack if f.filename.startswith(str(PROJECT_ROOT))
            and "/.venv/" not in f.filename]
    # The outermost place in our code: the route or task that started the chain.
    where = f"{ours[0].filename}:{ours[0].lineno}" if ours else "unknown"
    if _strict:
        raise BlockingCallOnEventLoop(
            f"{what} ran on the event loop's thread, from {where}:\n"
            + "".join(traceback.format_list(stack[-8:])))
    if where not in _reported:
        _reported.add(where)
        log.error("blocking call on the event loop", extra={"what": what, "where": where})
