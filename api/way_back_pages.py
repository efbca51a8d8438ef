"""Finding the way back: "email me my links" for anyone, and coming back after
unsubscribing from the "welcome back" email. GET only shows; POST acts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from api.deps import LimiterDep, RuntimeDep, client_address
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import message_page, page
from reconnect.partners import address, comeback, notices
from reconnect.ratelimit import RateLimited
from reconnect.validation import Email

router = APIRouter(responses=PAGE_ERRORS)
FIELD_LIMIT = 500
LINKS_SENT = [
    "If this address is signed up for Reconnect, an email with fresh links to your "
    "preferences, your journey and help is on its way to it now.",
    "Nothing arrived within a few minutes? Check your spam folder. If you never "
    "confirmed your address, sign up again on the home page and we will send a new "
    "confirmation.",
]


class _Address(BaseModel):
    email: Email


def _my_link_page(rt: RuntimeDep, email: str = "", error: str | None = None,
                  status_code: int = 200) -> HTMLResponse:
    return page(rt, "my_link.html", status_code, email=email, error=error)


@router.get("/my-link", response_class=HTMLResponse)
def my_link_page(rt: RuntimeDep) -> HTMLResponse:
    return _my_link_page(rt)


@router.post("/my-link", response_class=HTMLResponse, responses={
    422: {"description": "The address needs attention; nothing was sent."},
    429: {"description": "Too many requests from this client or for this address."}})
def my_link_submit(request: Request, rt: RuntimeDep, limiter: LimiterDep,
                   email: Annotated[str, Form(max_length=FIELD_LIMIT)] = "") -> Response:
    """The same answer, in the same time, whether the address is known or not: the
    request writes one row and a worker job does the lookup once it is committed."""
    try:
        address = _Address(email=email).email
    except ValidationError:
        return _my_link_page(rt, email, "Please enter an email address like "
                             "name@example.org.", 422)
    try:
        limiter.check_link_request(client_address(request), address)
    except RateLimited as exc:
        response = message_page(rt, "Please wait a little", [
            "We have had several requests from here or for this address in a short "
            "time, so we are pausing for a while to protect people's inboxes.",
            "Please try again later."], 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    with rt.unit_of_work() as uow:
        notices.receive_link_request(uow, rt, address)
    return message_page(rt, "Check your inbox", LINKS_SENT)


@router.get("/rejoin/{token}", response_class=HTMLResponse, responses=TOKEN_PAGE_ERRORS)
def rejoin_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        where = comeback.rejoin_view(session, rt, token)
    return page(rt, "rejoin.html", where=where)


@router.post("/rejoin/{token}", response_class=HTMLResponse, responses={
    **TOKEN_PAGE_ERRORS, 422: {"description": "Neither choice was sent."}})
def rejoin_submit(token: str, rt: RuntimeDep,
                  choice: Annotated[str, Form(max_length=20)] = "") -> HTMLResponse:
    if choice not in ("continue", "restart"):
        with rt.read_session() as session:
            where = comeback.rejoin_view(session, rt, token)
        return page(rt, "rejoin.html", 422, where=where,
                    error="Please choose whether to continue or to start again.")
    with rt.unit_of_work() as uow:
        back = comeback.rejoin(uow, rt, token, restart=choice == "restart")
    return message_page(rt, f"Welcome back, {back.first_name}", [back.sentence()])


@router.get("/address/{token}", response_class=HTMLResponse, responses=TOKEN_PAGE_ERRORS)
def address_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        new = address.pending_address(session, rt, token)
    return page(rt, "address.html", new_email=new)


@router.post("/address/{token}", response_class=HTMLResponse, responses={
    **TOKEN_PAGE_ERRORS,
    409: {"description": "The address is already used for someone's emails."}})
def address_submit(token: str, rt: RuntimeDep) -> HTMLResponse:
    try:
        with rt.unit_of_work() as uow:
            partner = address.confirm_change(uow, rt, token)
            new = partner.email
    except address.AddressTaken:
        # Only the new address's owner opens this link, so saying it is taken tells
        # them nothing they do not know.
        return message_page(rt, "This address is already in use", [
            "This address already receives Reconnect emails, so it cannot be used for a "
            "second set. Nothing changed.",
        ], 409)
    return message_page(rt, "Your address is changed", [
        f"From now on your Reconnect emails come to {new}. Your old address gets "
        "nothing more from us.",
    ])
