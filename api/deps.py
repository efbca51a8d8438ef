"""Request dependencies. The unit-of-work dependency owns each request's transaction:
it commits after the endpoint returns (before the response is sent) or rolls back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Annotated, TypeVar

from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.ratelimit import SignupLimiter
from reconnect.runtime import Runtime

T = TypeVar("T")

# Ending a transaction (commit or rollback, then returning the connection) runs on its
# own small thread limiter, never on the request thread pool. If it shared that pool,
# requests blocked waiting for a database connection could hold every thread while the
# transactions that would free a connection wait for a thread: a deadlock under load.
FINISH_THREADS = 8


def get_rt(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_rt)]


@asynccontextmanager
async def _scoped(request: Request, manager: AbstractContextManager[T]) -> AsyncIterator[T]:
    limiter: CapacityLimiter = request.app.state.finish_limiter
    value = manager.__enter__()  # creates the session only; no connection yet
    try:
        yield value
    except BaseException as exc:
        # Shielded: a client that disconnects must not leave a transaction open and
        # its connection lost to the pool.
        with CancelScope(shield=True):
            await to_thread.run_sync(manager.__exit__, type(exc), exc, exc.__traceback__,
                                     limiter=limiter)
        raise
    with CancelScope(shield=True):
        await to_thread.run_sync(manager.__exit__, None, None, None, limiter=limiter)


async def get_uow(request: Request, rt: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    async with _scoped(request, rt.unit_of_work()) as uow:
        yield uow


async def get_read_session(request: Request, rt: RuntimeDep) -> AsyncIterator[Session]:
    async with _scoped(request, rt.read_session()) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit
# becomes an error response instead of a success that did not happen.
UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


def get_limiter(request: Request) -> SignupLimiter:
    limiter: SignupLimiter = request.app.state.limiter
    return limiter


LimiterDep = Annotated[SignupLimiter, Depends(get_limiter)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
