"""One log format for every process: a line of JSON per event.

Log calls name the event and pass ids in ``extra``; addresses and reflection text are
never logged, so nothing sensitive reaches the log store. Every line also carries the id
of the request or task it belongs to (:func:`bound`), so one request's or one task's
lines can be found together across processes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_bound: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("reconnect_log_context",
                                                            default=())


@contextmanager
def bound(**ids: str) -> Iterator[None]:
    """Adds ``ids`` (e.g. ``request_id``, ``task_id``) to every line logged inside."""
    token = _bound.set(_merged(ids))
    try:
        yield
    finally:
        _bound.reset(token)


def bind(**ids: str) -> None:
    """Like :func:`bound`, for code that cannot wrap the work (Celery's task signals);
    :func:`unbind` ends it."""
    _bound.set(_merged(ids))


def unbind(*names: str) -> None:
    _bound.set(tuple((k, v) for k, v in _bound.get() if k not in names))


def _merged(ids: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple({**dict(_bound.get()), **ids}.items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **dict(_bound.get()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Python's warnings and an exception nothing caught are log lines too: one JSON
    # object each, the traceback a field of it, never lines of their own.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    # A line per beat tick and per task is noise that buries what matters; the domain
    # logs what each tick actually did.
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))


def say_from_signal_handler(message: str, _stream: object = None) -> None:
    """One JSON line written straight to stderr, for code that runs inside a signal
    handler (Celery's "Warm shutdown" notices), where taking logging's locks could hang."""
    entry = {"time": datetime.now(UTC).isoformat(), "level": "warning",
             "logger": "celery.apps.worker", "event": " ".join(message.split())}
    with contextlib.suppress(OSError):
        os.write(2, (json.dumps(entry) + "\n").encode())


def _log_uncaught(kind: type[BaseException], error: BaseException,
                  trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("reconnect").critical("uncaught exception",
                                            exc_info=(kind, error, trace))


# The uvicorn log configuration (the API's entrypoint passes it as --log-config).
UVICORN_CONFIG = Path(__file__).with_name("uvicorn_logging.json")

_CHATTY = ("celery.beat", "celery.worker.strategy", "celery.app.trace")
