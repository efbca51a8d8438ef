"""Couple-facing pages. GET only renders; every change is a POST (mail scanners open
links, so a GET that confirmed or unsubscribed would act for people who never clicked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError

from api.deps import LimiterDep, RuntimeDep, client_address
from api.errors import field_errors
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.preference_pages import PAUSE_WEEKS
from api.views import message_page, page
from reconnect.partners import comeback, leaving, preferences
from reconnect.partners import service as partners
from reconnect.partners.centre import local_day
from reconnect.ratelimit import RateLimited
from reconnect.signups import service as signups
from reconnect.signups.schemas import SignupRequest
from reconnect.timezones import zone_choices
from reconnect.validation import clean_timezone

router = APIRouter(responses=PAGE_ERRORS)
DEFAULT_FORM = {"timezone": "Europe/London", "send_hour": "8"}
PROGRAM_CHOICE_ERROR = "Please choose one of the programs listed here."
PROGRAM_UNAVAILABLE = "That program is not available."
TAKING_PART_CHOICE = "Please choose whether you start on your own or invite your partner."
PARTNER_MISSING = {"partner_first_name": "Please tell us your partner's first name.",
                   "partner_email": "Please add your partner's email address."}
ALONE_BUT_NAMED = ("You chose to start on your own, so your partner's details would not be "
                   "used: clear them, or choose to invite your partner.")
FIELD_LIMIT = 500
# The error summary lists problems in the order the fields appear, each linking to the
# control to fix (a group's first choice, where the problem is a group's).
FIELD_ORDER = ("first_name", "email", "timezone", "send_hour", "program", "taking_part",
               "partner_first_name", "partner_email", "form")
FIELD_TARGETS = {"program": "program-error", "taking_part": "taking_part-error",
                 "form": "main"}


class SignupForm(BaseModel):
    """The signup page's fields as typed; checked by the same rules as the JSON API."""

    email: str = Field("", max_length=FIELD_LIMIT)
    first_name: str = Field("", max_length=FIELD_LIMIT)
    timezone: str = Field("", max_length=FIELD_LIMIT)
    send_hour: str = Field("", max_length=FIELD_LIMIT)
    partner_email: str = Field("", max_length=FIELD_LIMIT)
    partner_first_name: str = Field("", max_length=FIELD_LIMIT)
    program: str = Field("", max_length=FIELD_LIMIT)
    # "alone" or "together"; forms posted without it invite a partner if one is named.
    taking_part: str = Field("", max_length=20)
    # A ticked checkbox sends "yes"; an unticked one sends nothing.
    discreet: str = Field("", max_length=3)


def _signup_page(rt: RuntimeDep, form: dict[str, str], errors: dict[str, str],
                 status_code: int = 200, submitted: bool = False) -> HTMLResponse:
    _, program = rt.programs.current()
    # With one program there is nothing to choose, and the page says what it is.
    choices = rt.programs.loaded_programs()
    values = {name: form.get(name, DEFAULT_FORM.get(name, "")) for name in SignupForm.model_fields}
    if not values["program"].strip():
        values["program"] = rt.programs.default_slug
    return page(rt, "signup.html", status_code, form=values, errors=errors,
                field_order=FIELD_ORDER, field_targets=FIELD_TARGETS,
                timezones=zone_choices(rt.clock.now(), values["timezone"]),
                program_description=program.description,
                programs=choices if len(choices) > 1 else [], form_submitted=submitted)


def _program_problem(rt: RuntimeDep, chosen: str) -> str | None:
    """Why a posted program choice cannot be taken (it is not one the page offers)."""
    if chosen.strip() == "" or chosen in rt.programs.loaded_slugs():
        return None
    return PROGRAM_CHOICE_ERROR if len(rt.programs.loaded_slugs()) > 1 else PROGRAM_UNAVAILABLE


@router.get("/", response_class=HTMLResponse)
def signup_form(rt: RuntimeDep, program: Annotated[str | None, Query(max_length=60)] = None
                ) -> HTMLResponse:
    """``/?program=<slug>`` preselects a program; anything unknown is ignored."""
    chosen = program if program in rt.programs.loaded_slugs() else None
    return _signup_page(rt, {"program": chosen} if chosen else {}, {})


@router.post("/", response_class=HTMLResponse, responses={
    422: {"description": "A field needs attention: the page again, each problem beside "
                         "its field; nothing was saved."},
    429: {"description": "Too many signups from this client or for this address."}})
def signup_submit(request: Request, rt: RuntimeDep, limiter: LimiterDep,
                  submitted: Annotated[SignupForm, Form()]) -> Response:
    form = submitted.model_dump()
    partner_named = any(form[k].strip() for k in ("partner_email", "partner_first_name"))
    if form["taking_part"] not in ("", "alone", "together"):
        return _signup_page(rt, form, {"taking_part": TAKING_PART_CHOICE}, 422, True)
    if form["taking_part"] == "alone" and partner_named:
        return _signup_page(rt, form, {"taking_part": ALONE_BUT_NAMED}, 422, True)
    data: dict[str, object] = {k: v for k, v in form.items()
                               if v.strip() != "" and k not in ("taking_part", "discreet")}
    data["discreet"] = form["discreet"] == "yes"
    program_problem = _program_problem(rt, form["program"])
    missing = PARTNER_MISSING if form["taking_part"] == "together" and not partner_named \
        else {}
    try:
        signup = SignupRequest.model_validate(data)
    except ValidationError as exc:
        errors = {**field_errors(exc.errors()), **missing}
        if program_problem or "program" in errors:
            errors["program"] = program_problem or PROGRAM_CHOICE_ERROR
        return _signup_page(rt, form, errors, 422, submitted=True)
    if missing:
        return _signup_page(rt, form, missing, 422, submitted=True)
    if program_problem:
        return _signup_page(rt, form, {"program": program_problem}, 422, submitted=True)
    try:
        limiter.check(client_address(request), signup.email, signup.partner_email)
    except RateLimited as exc:
        response = message_page(rt, "Please wait a little", [
            "We have had several signups from here in a short time, so we are pausing "
            "for a while to protect people's inboxes.",
            "Please try again in a few minutes.",
        ], 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        with rt.unit_of_work() as uow:
            signups.receive(uow, rt, signup)
    except signups.UnknownProgramChoice:
        # The program was unloaded between the check above and now.
        return _signup_page(rt, form, {"program": PROGRAM_UNAVAILABLE}, 422, True)
    return message_page(rt, "Check your inbox", [
        "Thank you. If the address can receive our email, a message with a confirmation "
        "link is on its way to you now.",
        "If you invited your partner, they will get their own email and can decide for "
        "themselves whether to join. Nobody is enrolled until they confirm their own address.",
        "Nothing arrived within a few minutes? Check your spam folder, or sign up again.",
    ])


@router.get("/confirm/{token}", response_class=HTMLResponse, responses=TOKEN_PAGE_ERRORS)
def confirm_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        pending = partners.pending_confirmation(session, rt, token)
    return page(rt, "confirm.html", partner=pending.partner, inviter_name=pending.inviter_name,
                timezones=zone_choices(rt.clock.now(), pending.partner.timezone))


@router.post("/confirm/{token}", response_class=HTMLResponse, responses=TOKEN_PAGE_ERRORS)
def confirm_submit(token: str, rt: RuntimeDep,
                   timezone: Annotated[str | None, Form(max_length=64)] = None,
                   send_hour: Annotated[int | None, Form(ge=0, le=23)] = None) -> HTMLResponse:
    try:
        zone = clean_timezone(timezone) if timezone else None
    except ValueError:
        zone = None
    with rt.unit_of_work() as uow:
        partner = partners.confirm(uow, rt, token, zone, send_hour)
    return message_page(rt, f"Welcome, {partner.first_name}", [
        "Your address is confirmed. Your first note will arrive at "
        f"{partner.send_hour:02d}:00 ({partner.timezone}).",
        "Each week brings a short note, an exercise and a few questions. Take them at "
        "your own pace.",
    ])


@router.get("/unsubscribe/{token}", response_class=HTMLResponse, responses=TOKEN_PAGE_ERRORS)
def unsubscribe_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        partner = leaving.holder(session, rt, token)
        state = "paused" if partner.paused_at else partner.status.value
        undo_until = local_day(partner.unsubscribed_at + comeback.UNDO_WINDOW,
                               partner.timezone) \
            if partner.unsubscribed_at and comeback.undo_window_open(
                partner, rt.clock.now()) else None
    return page(rt, "unsubscribe.html", state=state, undo_until=undo_until,
                request_path=f"/unsubscribe/{token}", reasons=leaving.REASONS,
                pause_weeks=PAUSE_WEEKS)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse, responses=TOKEN_PAGE_ERRORS)
def unsubscribe_submit(token: str, rt: RuntimeDep,
                       reason: Annotated[str, Form(max_length=20)] = "") -> HTMLResponse:
    """Serves both the page's button and RFC 8058 one-click POSTs from mail providers:
    no cookie, no redirect, and the same answer however often it is repeated. A reason
    that is not one of the page's is ignored rather than refused: stopping must work."""
    with rt.unit_of_work() as uow:
        leaving.stop(uow, rt, token, reason if reason in leaving.REASONS else "")
    return page(rt, "unsubscribed.html", request_path=f"/unsubscribe/{token}",
                undo_days=comeback.UNDO_WINDOW.days)


@router.post("/unsubscribe/{token}/undo", response_class=HTMLResponse,
             responses={**TOKEN_PAGE_ERRORS,
                        409: {"description": "Too late to undo, or nothing to undo."}})
def unsubscribe_undo(token: str, rt: RuntimeDep) -> HTMLResponse:
    try:
        with rt.unit_of_work() as uow:
            back = leaving.undo(uow, rt, token)
    except comeback.NotAway:
        return message_page(rt, "There is nothing to undo here", [
            "Either your emails are on, or it has been more than "
            f"{comeback.UNDO_WINDOW.days} days since you stopped them.",
            "To come back after that, sign up again with your address: we will email you "
            "a link to continue where you stopped or start again."], 409,
            link_url="/", link_text="Go to the signup page")
    if back is None:
        return message_page(rt, "Your emails are on", [
            "Your emails are already on again: nothing more to do."])
    return message_page(rt, f"Welcome back, {back.first_name}", [back.sentence()])


@router.post("/unsubscribe/{token}/pause", response_class=HTMLResponse,
             responses={**TOKEN_PAGE_ERRORS,
                        409: {"description": "The emails are not on, so cannot pause."}})
def unsubscribe_pause(token: str, rt: RuntimeDep,
                      weeks: Annotated[str, Form(max_length=2)] = "") -> HTMLResponse:
    if weeks not in PAUSE_WEEKS:
        return message_page(rt, "Please choose how long to pause", [
            "Please go back and choose one of the lengths listed."], 422)
    try:
        with rt.unit_of_work() as uow:
            partner = leaving.pause_instead(uow, rt, token, int(weeks))
            until = local_day(partner.pause_until or rt.clock.now(), partner.timezone)
    except preferences.PartnerNotActive:
        return message_page(rt, "Your emails are not on", [
            "There is nothing to pause: no emails are being sent to you."], 409)
    return message_page(rt, "Your emails are paused", [
        f"Nothing is sent until {until}. Then your emails start again by themselves, "
        "where you left off.",
        "Your partner's emails are not affected, and they are not told."])
