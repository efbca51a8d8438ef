"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work), and the part
of the API's start that must not stop it: a database that is down or behind on
migrations is logged, and the programs are loaded once the database allows it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import Receive, Scope, Send

from reconnect.program.catalog import UnknownProgram
from reconnect.program.loader import ProgramError
from reconnect.readiness import Readiness
from reconnect.runtime import Runtime
from reconnect.startup import database_problem

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
# Asked by healthchecks and scrapers, which must get an answer while the database is down.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# How often the API tries again to load the programs when the database was not usable
# at start: soon after `reconnect db upgrade` the API serves without a restart.
PROGRAM_RETRY_SECONDS = 2.0
PROGRAMS_PENDING = "not loaded yet: waiting for the database (see database and migrations)"


def programs_pending(app: FastAPI) -> bool:
    return getattr(app.state, "programs_task", None) is not None


async def answer_not_ready(scope: Scope, receive: Receive, send: Send) -> None:
    """For every other request while the programs wait for the database."""
    response = PlainTextResponse(
        "Reconnect is starting and cannot answer yet. Please try again in a minute.",
        status_code=503, headers={"Retry-After": "30", "Cache-Control": "no-store"})
    await response(scope, receive, send)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Cheap and dependency-free: for restarting a process that stopped answering. On
    the event loop itself, so it answers even while every worker thread is busy."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    report = await to_thread.run_sync(readiness.check)
    body = report.as_json()
    if programs_pending(request.app):
        body = {"status": "not ready", "checks": {**report.checks,
                                                  "programs": PROGRAMS_PENDING}}
    ready = body["status"] == "ready"
    return JSONResponse(body, status_code=200 if ready else 503,
                        headers={"Cache-Control": "no-store"})


async def start(app: FastAPI, rt: Runtime) -> None:
    """Sets up readiness and loads the programs (before the API takes requests). When
    the database is unreachable or behind, logs why and keeps trying in the background."""
    app.state.readiness = Readiness(rt.settings)
    app.state.programs_task = None
    problem = await to_thread.run_sync(database_problem, rt.settings,
                                       "; until then /readyz answers 503")
    if problem is None:
        # A program that cannot load stops the API.
        await to_thread.run_sync(rt.load_programs)
        return
    log.error(problem)
    try:
        await to_thread.run_sync(rt.load_programs)
    except SQLAlchemyError:
        app.state.programs_task = asyncio.create_task(_load_programs_when_possible(app, rt))


async def stop(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = app.state.programs_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    app.state.readiness.close()


async def _load_programs_when_possible(app: FastAPI, rt: Runtime) -> None:
    told: str | None = None
    while True:
        await asyncio.sleep(PROGRAM_RETRY_SECONDS)
        try:
            await to_thread.run_sync(rt.load_programs)
        except SQLAlchemyError:
            continue
        except (ProgramError, UnknownProgram) as exc:
            # The database is usable now, but no version of a program ever validated:
            # say so once, and take the files as soon as an editor fixes them.
            if str(exc) != told:
                told = str(exc)
                log.error("programs cannot be loaded: they do not validate",
                          extra={"problems": told.splitlines()})
            continue
        log.info("programs loaded: the database is usable now")
        app.state.programs_task = None
        return
