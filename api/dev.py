"""Development-only pages: the captured outbox and the clock fast-forward.

Mounted only when RECONNECT_OUTBOX_ENABLED / RECONNECT_TIME_TRAVEL are on, which the
settings refuse in production.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import RuntimeDep
from api.views import page
from reconnect.dev import outbox, timetravel

router = APIRouter(prefix="/dev", include_in_schema=False)


@router.get("/outbox", response_class=HTMLResponse)
def outbox_list(rt: RuntimeDep) -> HTMLResponse:
    messages = outbox.list_messages(rt.settings.outbox_dir)
    return page(rt, "outbox.html", messages=messages, now=rt.clock.now(),
                time_travel=rt.settings.time_travel)


@router.get("/outbox/{name}", response_class=HTMLResponse)
def outbox_message(name: str, rt: RuntimeDep) -> HTMLResponse:
    message = outbox.read_message(rt.settings.outbox_dir, name)
    if message is None:
        raise HTTPException(404, "No such message in the outbox.")
    return page(rt, "outbox_message.html", message=message)


@router.post("/clock/next")
def clock_next(rt: RuntimeDep) -> RedirectResponse:
    if not rt.settings.time_travel:
        raise HTTPException(404)
    timetravel.advance_to_next_due(rt)
    return RedirectResponse("/dev/outbox", status_code=303)


@router.post("/clock/advance")
def clock_advance(rt: RuntimeDep,
                  days: Annotated[float, Form(ge=0, le=400)] = 1.0) -> RedirectResponse:
    if not rt.settings.time_travel:
        raise HTTPException(404)
    timetravel.advance(rt, days * 86400)
    return RedirectResponse("/dev/outbox", status_code=303)
