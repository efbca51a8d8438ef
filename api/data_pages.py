"""A partner's own data, from the preferences page: download it, or erase it.

The download is a read, so a GET; erasing is a POST behind a page that says what will go."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import message_page, page, plural
from reconnect.partners import my_data
from reconnect.partners.preference_links import view

router = APIRouter(responses={**PAGE_ERRORS, **TOKEN_PAGE_ERRORS})


@router.get("/preferences/{token}/export")
def export_data(token: str, rt: RuntimeDep) -> Response:
    with rt.read_session() as session:
        data = my_data.export(session, rt, token)
    return Response(json.dumps(data, indent=2, ensure_ascii=False),
                    media_type="application/json",
                    headers={"Content-Disposition":
                             'attachment; filename="reconnect-my-data.json"',
                             "Cache-Control": "no-store"})


@router.get("/preferences/{token}/my-data", response_class=HTMLResponse)
def my_data_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    """The same export as the download, as a page a person reads (or prints)."""
    with rt.read_session() as session:
        data = my_data.export(session, rt, token)
    return page(rt, "my_data.html", data=data, token=token)


@router.get("/preferences/{token}/erase", response_class=HTMLResponse)
def erase_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        shown = view(session, rt, token)
    return page(rt, "erase.html", shown=shown, token=token)


@router.post("/preferences/{token}/erase", response_class=HTMLResponse)
def erase_submit(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.unit_of_work() as uow:
        erased = my_data.erase(uow, rt, token)
    return message_page(rt, "Your data has been erased", [
        f"We erased your details, {plural(erased.emails, 'email record')} and "
        f"{plural(erased.reflections, 'reflection')}. You will not receive anything more "
        "from us.",
        "Your partner's own emails and answers are theirs and are not affected; they are "
        "not told.",
    ])
