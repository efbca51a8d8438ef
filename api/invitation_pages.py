""""Never invite me again", from every invitation. GET shows what it does; POST (the
page's button, or a mail provider's RFC 8058 one-click) records it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import message_page, page
from reconnect.signups import invitations

router = APIRouter(responses={**PAGE_ERRORS, **TOKEN_PAGE_ERRORS})


@router.get("/no-invitations/{token}", response_class=HTMLResponse)
def no_invitations_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    invitations.check(rt, token)
    return page(rt, "no_invitations.html")


@router.post("/no-invitations/{token}", response_class=HTMLResponse)
def no_invitations_submit(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.unit_of_work() as uow:
        invitations.refuse_invitations(uow, rt, token)
    return message_page(rt, "You will not be invited again", [
        "Nobody can invite this address to Reconnect any more, and the invitation that was "
        "waiting is withdrawn. The person who invited you is not told why.",
        "If you ever want to take part yourself, you can still sign up on the home page.",
    ], link_url="/", link_text="Go to the Reconnect home page")
