"""Wall time and failures of every task, counted through the runtime's metrics store.

Imported by ``tasks.tasks``, so any process that runs tasks connects these signals."""

from __future__ import annotations

import threading
import time
from typing import Any

from celery import states
from celery.signals import task_postrun, task_prerun

from reconnect.runtime import get_runtime

_started: dict[str, float] = {}  # task id -> perf_counter at start
_lock = threading.Lock()  # a threads pool runs several tasks at once


@task_prerun.connect
def _start_timer(task_id: str | None = None, **_: Any) -> None:
    if task_id is not None:
        with _lock:
            _started[task_id] = time.perf_counter()


@task_postrun.connect
def _count_task(task_id: str | None = None, task: Any = None, state: str | None = None,
                **_: Any) -> None:
    with _lock:
        started = _started.pop(task_id or "", None)
    if started is None or task is None:
        return
    seconds = time.perf_counter() - started
    try:
        rt = get_runtime()
    except RuntimeError:  # between tests, or while a process shuts down
        return
    rt.metrics.task_ran(str(task.name), seconds, failed=state == states.FAILURE)
