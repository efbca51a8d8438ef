""""I don't feel safe": help at once, and a quiet pause if wanted.

Reached from every stage email and reflection page. It shows crisis resources before
anything else, and the only change it can make is pausing this partner's own emails,
which their partner is never shown or told about, and which changes nothing they get.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import page
from reconnect.helplines import regions_for
from reconnect.partners import preferences
from reconnect.partners.preference_links import PreferencesView, holder_id, view
from reconnect.runtime import Runtime

router = APIRouter(responses={**PAGE_ERRORS, **TOKEN_PAGE_ERRORS})


def _help_page(rt: Runtime, shown: PreferencesView | None, paused_now: bool,
               timezone: str = "") -> HTMLResponse:
    own, others = regions_for(shown.timezone if shown else timezone)
    return page(rt, "help.html", shown=shown, paused_now=paused_now, own=own, others=others,
                quick_exit_url=rt.settings.quick_exit_url)


@router.get("/help", response_class=HTMLResponse)
def public_help_page(rt: RuntimeDep,
                     tz: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """The same help for anyone, before signing up or from an invitation: the region's
    lines first when ``?tz=`` names a time zone (the signup page's script adds the
    browser's own)."""
    return _help_page(rt, None, paused_now=False, timezone=tz)


@router.get("/help/{token}", response_class=HTMLResponse)
def help_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        shown = view(session, rt, token)
    return _help_page(rt, shown, paused_now=False)


@router.post("/help/{token}", response_class=HTMLResponse)
def help_pause(token: str, rt: RuntimeDep) -> HTMLResponse:
    paused = True
    try:
        with rt.unit_of_work() as uow:
            preferences.pause(uow, rt, holder_id(uow.session, rt, token))
    except preferences.PartnerNotActive:
        # Nothing is being sent to them: the help on the page is what matters, and the
        # page must not say it paused anything.
        paused = False
    with rt.read_session() as session:
        shown = view(session, rt, token)
    return _help_page(rt, shown, paused_now=paused)
