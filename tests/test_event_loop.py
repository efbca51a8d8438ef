"""No request can block the server: nothing that waits on the database or Redis runs on
the event loop's thread, so one slow or locked request never stops the others."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from sqlalchemy import text

from api import loop_guard
from api.main import create_app
from reconnect.runtime import Runtime
from tests.support.routes import api_routes

# What may run on the loop itself, each with the reason it never waits there.
ASYNC_ALLOWED = {
    "api.health.healthz": "answers from memory, so it answers while every thread is busy",
    "api.health.readyz": "its checks run in a worker thread (anyio.to_thread)",
    "api.bounce_webhooks.raw_body": "reads the request body, which waits on the client "
                                    "only; the route itself is a plain def",
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _waits_on_the_loop(call: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def test_every_route_and_dependency_that_may_wait_runs_in_the_thread_pool(
        runtime: Runtime) -> None:
    app = create_app(runtime)
    routes = api_routes(app)
    assert len(routes) > 30
    on_loop = sorted({f"{call.__module__}.{call.__qualname__}" for route in routes
                      for call in _calls(route.dependant) if _waits_on_the_loop(call)})
    assert on_loop == sorted(ASYNC_ALLOWED)


def _app_with_a_route_that_queries_on_the_loop(runtime: Runtime) -> FastAPI:
    app = create_app(runtime)

    @app.get("/blocks-the-loop")
    async def blocks_the_loop() -> dict[str, int]:
        with runtime.read_session() as session:
            return {"one": session.execute(text("SELECT 1")).scalar_one()}

    return app


def test_a_statement_on_the_event_loop_is_refused_outside_production(
        runtime: Runtime) -> None:
    with TestClient(_app_with_a_route_that_queries_on_the_loop(runtime)) as client, \
            pytest.raises(loop_guard.BlockingCallOnEventLoop, match="database statement"):
        client.get("/blocks-the-loop")


def test_the_same_statement_in_a_plain_route_is_fine(client: TestClient) -> None:
    assert client.get("/").status_code == 200


def test_in_production_a_statement_on_the_loop_is_logged_once_and_answered(
        runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    app = _app_with_a_route_that_queries_on_the_loop(runtime)
    with TestClient(app) as client:
        loop_guard.watch(runtime.engine, strict=False)  # as the production lifespan does
        try:
            assert client.get("/blocks-the-loop").json() == {"one": 1}
            assert client.get("/blocks-the-loop").status_code == 200
        finally:
            loop_guard.watch(runtime.engine, strict=True)
    reports = [r for r in caplog.records if r.getMessage() == "blocking call on the event loop"]
    assert len(reports) == 1


def test_a_redis_command_on_the_event_loop_is_refused(runtime: Runtime) -> None:
    app = create_app(runtime)

    @app.get("/asks-redis-on-the-loop")
    async def asks_redis() -> dict[str, bool]:
        assert runtime.settings.redis_url is not None
        return {"pong": bool(redis.Redis.from_url(runtime.settings.redis_url).ping())}

    with TestClient(app) as client, \
            pytest.raises(loop_guard.BlockingCallOnEventLoop, match="Redis command"):
        client.get("/asks-redis-on-the-loop")
