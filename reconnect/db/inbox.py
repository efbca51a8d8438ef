"""Taking rows from an inbox table (requests received by the API, processed by a job)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork

Row = TypeVar("Row")


def take(session: Session, model: type[Row], request_id: int) -> Row | None:
    """Removes the row and returns it, or None if another process already took it. The
    delete is the claim: whoever's transaction deleted the row processes it, and a
    rollback puts it back for the next attempt."""
    key: Any = inspect(model).primary_key[0]
    taken: Row | None = session.execute(
        delete(model).where(key == request_id).returning(model)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    return taken


def take_oldest(session: Session, model: type[Row], passed: Collection[int] = ()
                ) -> Row | None:
    """Removes the oldest row of ``model`` (by id, other than ``passed``) and returns it,
    as ``take`` does. Two processes taking at once get different rows: on Postgres a
    row another transaction holds is skipped (SKIP LOCKED), and SQLite lets one writer
    in at a time."""
    key: Any = inspect(model).primary_key[0]
    oldest = select(key).order_by(key).limit(1).with_for_update(skip_locked=True)
    if passed:
        oldest = oldest.where(key.not_in(passed))
    taken: Row | None = session.execute(
        delete(model).where(key == oldest.scalar_subquery()).returning(model)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    return taken


@dataclass(frozen=True)
class Taken:
    """One request taken from an inbox: processed (``done``), or failed and left there."""

    request_id: int
    done: bool


def drain(process_next: Callable[[Collection[int]], Taken | None], limit: int,
          unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]], again: str) -> int:
    """Calls ``process_next`` until it finds nothing waiting or ``limit`` requests were
    done; at the limit, queues the job ``again`` so other jobs get their turn in between.
    Ids that failed are passed to later calls, so one bad request is not taken again
    and again in one run (the sweep tries it later). Returns how many were done."""
    passed: list[int] = []
    done = 0
    while done < limit:
        taken = process_next(passed)
        if taken is None:
            break
        if taken.done:
            done += 1
        else:
            passed.append(taken.request_id)
    if done == limit:
        with unit_of_work() as uow:
            uow.enqueue_after_commit(again)
    return done
