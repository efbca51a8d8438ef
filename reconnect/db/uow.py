"""The unit of work: one transaction, plus the background jobs it asked for.

Services flush; only the owner of the unit of work commits. Jobs queued during the unit
are sent after the commit succeeds and are dropped if it rolls back, so a task never
looks for a row that is not (yet) visible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


class TaskSender(Protocol):
    def send(self, name: str, args: tuple[int, ...], countdown: float = 0.0) -> None:
        """Queues a job; ``countdown`` (seconds, kept short) delays it."""


@dataclass
class UnitOfWork:
    session: Session
    jobs: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    hooks: list[Callable[[], None]] = field(default_factory=list)

    def enqueue_after_commit(self, name: str, *args: int) -> None:
        self.jobs.append((name, args))

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Runs ``hook`` once the transaction has committed, never after a rollback: for
        what must count only what really happened (metrics). A failing hook is logged."""
        self.hooks.append(hook)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], sender: TaskSender,
                 bind: Connection | None = None) -> Iterator[UnitOfWork]:
    """``bind`` runs the unit on a connection the caller holds (one checkout for many
    short transactions); by default each unit takes a connection from the pool."""
    session = factory() if bind is None else factory(bind=bind)
    uow = UnitOfWork(session)
    try:
        yield uow
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    for name, args in uow.jobs:
        try:
            sender.send(name, args)
        except Exception:
            # The transaction is committed and the rows say what is due, so the next
            # beat tick finds them; failing the caller now would report lost work.
            log.warning("job not sent; the dispatcher will pick the work up", exc_info=True,
                        extra={"job": name})
    for hook in uow.hooks:
        try:
            hook()
        except Exception:
            log.warning("after-commit hook failed", exc_info=True)
