"""Entry point for ``celery -A tasks.worker worker|beat``: builds the runtime once."""

from __future__ import annotations

import logging
import sys

import celery.apps.worker as celery_worker_app
from celery import Task
from celery.signals import (
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
)

from reconnect.clock import TravellingClock
from reconnect.logging import bind, configure_logging, say_from_signal_handler, unbind
from reconnect.runtime import build_runtime, set_runtime
from reconnect.startup import schema_ready_or_exit, settings_or_exit
from tasks.celery_app import celery_sender, make_celery

configure_logging()
# Celery writes its shutdown notices as plain text from the signal handler: JSON instead.
celery_worker_app.safe_say = say_from_signal_handler  # type: ignore[attr-defined]
# Invalid settings, or a database this release cannot use, end the process here with a
# plain message (exit status 1) instead of failing later, task after task.
settings = settings_or_exit()
schema_ready_or_exit(settings, "beat" if "beat" in sys.argv[1:] else "worker")
app = make_celery(settings)
runtime = build_runtime(settings, sender=celery_sender(settings, app))
runtime.load_programs()
set_runtime(runtime)
logging.getLogger(__name__).info("worker runtime ready")


@worker_process_init.connect
def _fresh_connections_after_fork(**_: object) -> None:
    # Pooled connections opened before prefork forked must not be shared by children.
    runtime.engine.dispose(close=False)


@worker_process_shutdown.connect
def _end_smtp_session(**_: object) -> None:
    runtime.mailer.close()


@task_prerun.connect
def _bind_task_to_log_lines(task_id: str | None = None, task: Task[..., object] | None = None,
                            **_: object) -> None:
    bind(task_id=task_id or "", task=task.name if task is not None else "")


@task_postrun.connect
def _unbind_task(**_: object) -> None:
    unbind("task_id", "task")


@task_prerun.connect
def _take_program_edits(**_: object) -> None:
    # Before the task opens a transaction: taking a new version writes it.
    runtime.programs.refresh_if_due()


@task_prerun.connect
def _read_the_development_clock_afresh(**_: object) -> None:
    # A job queued after a fast-forward must see it: a cached offset up to a second old
    # would plan the next stage from before the jump and make it due at once.
    if isinstance(runtime.clock, TravellingClock):
        runtime.clock.forget()
