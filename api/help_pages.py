""""I don't feel safe": help at once, and a quiet pause if wanted.

Reached from every stage email and reflection page. It shows crisis resources before
anything else, and the only change it can make is pausing this partner's own emails,
which their partner is never shown or told about, and which changes nothing they get.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import ReadSessionDep, RuntimeDep, UowDep
from api.views import page
from reconnect.partners import preferences
from reconnect.partners.preference_links import partner_id_for, view

router = APIRouter()


@router.get("/help/{token}", response_class=HTMLResponse)
def help_page(token: str, rt: RuntimeDep, session: ReadSessionDep) -> HTMLResponse:
    shown = view(session, rt, token)
    return page(rt, "help.html", shown=shown, paused_now=False)


@router.post("/help/{token}", response_class=HTMLResponse)
def help_pause(token: str, rt: RuntimeDep, uow: UowDep) -> HTMLResponse:
    try:
        partner_id = partner_id_for(rt, token)
        preferences.pause(uow, rt, partner_id)
        shown = view(uow.session, rt, token)
    except preferences.PartnerNotActive:
        # Nothing is being sent to them: the help on the page is what matters.
        shown = view(uow.session, rt, token)
    return page(rt, "help.html", shown=shown, paused_now=True)
