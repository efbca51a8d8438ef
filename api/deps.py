"""Request dependencies. The unit-of-work dependency owns each request's transaction:
it commits after the endpoint returns (before the response is sent) or rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.ratelimit import SignupLimiter
from reconnect.runtime import Runtime


def get_rt(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_rt)]


def get_uow(rt: RuntimeDep) -> Iterator[UnitOfWork]:
    with rt.unit_of_work() as uow:
        yield uow


def get_read_session(rt: RuntimeDep) -> Iterator[Session]:
    with rt.read_session() as session:
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
