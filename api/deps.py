"""Request dependencies.

Every route that reaches the database or Redis is a plain ``def``: FastAPI runs it in
the thread pool, so the event loop never waits on either. The route opens its unit of
work itself (``with rt.unit_of_work() as uow``), so the transaction begins and ends on
that one thread and commits before the response is sent; the block commits, or rolls
back on any exception, and nothing else ever commits. ``tests/test_event_loop.py``
fails if a route or dependency ever waits on the loop again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reconnect.ratelimit import SignupLimiter
from reconnect.runtime import Runtime


def get_rt(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_rt)]


def get_limiter(request: Request) -> SignupLimiter:
    limiter: SignupLimiter = request.app.state.limiter
    return limiter


LimiterDep = Annotated[SignupLimiter, Depends(get_limiter)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
