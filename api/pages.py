"""Couple-facing pages. GET only renders; every change is a POST (mail scanners open
links, so a GET that confirmed or unsubscribed would act for people who never clicked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import LimiterDep, ReadSessionDep, RuntimeDep, UowDep, client_address
from api.errors import field_errors
from api.views import message_page, page
from reconnect.partners import service as partners
from reconnect.ratelimit import RateLimited
from reconnect.reflections import service as reflections
from reconnect.reflections.schemas import NOTE_LIMIT
from reconnect.signups.schemas import SignupRequest
from reconnect.signups.service import UnknownProgramChoice, sign_up
from reconnect.tokens import Purpose
from reconnect.validation import clean_timezone, sorted_timezones

router = APIRouter()
SIGNUP_FIELDS = ("email", "first_name", "timezone", "send_hour", "partner_email",
                 "partner_first_name", "program")
DEFAULT_FORM = {"timezone": "Europe/London", "send_hour": "8"}
PROGRAM_CHOICE_ERROR = "Please choose one of the programs listed here."
PROGRAM_UNAVAILABLE = "That program is not available."


def _signup_page(rt: RuntimeDep, form: dict[str, str], errors: dict[str, str],
                 status_code: int = 200, submitted: bool = False) -> HTMLResponse:
    _, program = rt.programs.current()
    # With one program there is nothing to choose, and the page says what it is.
    choices = rt.programs.loaded_programs()
    values = {name: form.get(name, DEFAULT_FORM.get(name, "")) for name in SIGNUP_FIELDS}
    if not values["program"].strip():
        values["program"] = rt.programs.default_slug
    return page(rt, "signup.html", status_code, form=values, errors=errors,
                timezones=sorted_timezones(), program_description=program.description,
                programs=choices if len(choices) > 1 else [], form_submitted=submitted)


def _program_problem(rt: RuntimeDep, chosen: str) -> str | None:
    """Why a posted program choice cannot be taken (it is not one the page offers)."""
    if chosen.strip() == "" or chosen in rt.programs.loaded_slugs():
        return None
    return PROGRAM_CHOICE_ERROR if len(rt.programs.loaded_slugs()) > 1 else PROGRAM_UNAVAILABLE


@router.get("/", response_class=HTMLResponse)
def signup_form(rt: RuntimeDep, program: str | None = None) -> HTMLResponse:
    """``/?program=<slug>`` preselects a program; anything unknown is ignored."""
    chosen = program if program in rt.programs.loaded_slugs() else None
    return _signup_page(rt, {"program": chosen} if chosen else {}, {})


@router.post("/", response_class=HTMLResponse)
async def signup_submit(request: Request, rt: RuntimeDep, uow: UowDep,
                        limiter: LimiterDep) -> Response:
    raw = await request.form()
    form = {k: str(raw.get(k, ""))[:500] for k in SIGNUP_FIELDS}
    data = {k: v for k, v in form.items() if v.strip() != ""}
    program_problem = _program_problem(rt, form["program"])
    try:
        signup = SignupRequest.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        if program_problem or "program" in errors:
            errors["program"] = program_problem or PROGRAM_CHOICE_ERROR
        return _signup_page(rt, form, errors, 422, submitted=True)
    if program_problem:
        return _signup_page(rt, form, {"program": program_problem}, 422, submitted=True)
    try:
        limiter.check(client_address(request),
                      [e for e in (signup.email, signup.partner_email) if e])
    except RateLimited as exc:
        response = message_page(rt, "Please wait a little", [
            "We have had several signups from here in a short time, so we are pausing "
            "for a while to protect people's inboxes.",
            "Please try again in a few minutes.",
        ], 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        sign_up(uow, rt, signup)
    except UnknownProgramChoice:
        # The program was unloaded between the check above and now.
        return _signup_page(rt, form, {"program": PROGRAM_UNAVAILABLE}, 422, True)
    return message_page(rt, "Check your inbox", [
        "Thank you. If the address can receive our email, a message with a confirmation "
        "link is on its way to you now.",
        "If you invited your partner, they will get their own email and can decide for "
        "themselves whether to join. Nobody is enrolled until they confirm their own address.",
        "Nothing arrived within a few minutes? Check your spam folder, or sign up again.",
    ])


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, rt: RuntimeDep, session: ReadSessionDep) -> HTMLResponse:
    pending = partners.pending_confirmation(session, rt, token)
    return page(rt, "confirm.html", partner=pending.partner, inviter_name=pending.inviter_name,
                timezones=sorted_timezones())


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm_submit(token: str, rt: RuntimeDep, uow: UowDep,
                   timezone: Annotated[str | None, Form(max_length=64)] = None,
                   send_hour: Annotated[int | None, Form(ge=0, le=23)] = None) -> HTMLResponse:
    try:
        zone = clean_timezone(timezone) if timezone else None
    except ValueError:
        zone = None
    partner = partners.confirm(uow, rt, token, zone, send_hour)
    return message_page(rt, f"Welcome, {partner.first_name}", [
        "Your address is confirmed. Your first note will arrive at "
        f"{partner.send_hour:02d}:00 ({partner.timezone}).",
        "Each week brings a short note, an exercise and a few questions. Take them at "
        "your own pace.",
    ])


def _reflect_page(rt: RuntimeDep, reflect_token: str, status_code: int = 200,
                  **context: object) -> HTMLResponse:
    """The reflection page, with the "I don't feel safe" link of the partner whose
    (already checked) token this is."""
    partner_id = rt.tokens.read(Purpose.REFLECT, reflect_token).partner_id
    help_path = f"/help/{rt.tokens.make(Purpose.PREFERENCES, partner_id)}"
    return page(rt, "reflect.html", status_code, help_path=help_path, **context)


@router.get("/reflect/{token}/{prompt_key}", response_class=HTMLResponse)
def reflect_page(token: str, prompt_key: str, rt: RuntimeDep, session: ReadSessionDep,
                 answer: str | None = None) -> HTMLResponse:
    try:
        ctx = reflections.reflection_context(session, rt, token, prompt_key)
    except reflections.UnknownPrompt:
        return message_page(rt, "We could not find that question", [
            "The link may be incomplete. Please open it again from your email."], 404)
    selected = answer if answer and ctx.prompt.label_for(answer) else \
        (ctx.existing.answer if ctx.existing else None)
    return _reflect_page(rt, token, stage=ctx.stage, prompt=ctx.prompt, selected=selected,
                         note=ctx.existing.note if ctx.existing else None,
                         shared=bool(ctx.existing and ctx.existing.shared),
                         editable=ctx.editable, saved=False, error=None, note_error=None,
                         note_limit=NOTE_LIMIT)


@router.post("/reflect/{token}/{prompt_key}", response_class=HTMLResponse)
def reflect_submit(token: str, prompt_key: str, rt: RuntimeDep, uow: UowDep,
                   answer: Annotated[str, Form(max_length=40)] = "",
                   note: Annotated[str, Form(max_length=NOTE_LIMIT * 2)] = "",
                   share: Annotated[str, Form(max_length=10)] = "") -> HTMLResponse:
    try:
        ctx = reflections.record(uow, rt, token, prompt_key, answer, note, share == "yes")
    except reflections.UnknownPrompt:
        return message_page(rt, "We could not find that question", [
            "The link may be incomplete. Please open it again from your email."], 404)
    except (reflections.InvalidAnswer, reflections.ReflectionClosed) as exc:
        uow.session.rollback()
        current = reflections.reflection_context(uow.session, rt, token, prompt_key)
        closed = isinstance(exc, reflections.ReflectionClosed)
        is_note = isinstance(exc, reflections.InvalidAnswer) and exc.field == "note"
        return _reflect_page(rt, token, 409 if closed else 422, stage=current.stage,
                             prompt=current.prompt, selected=answer or None, note=note,
                             shared=share == "yes", editable=current.editable, saved=False,
                             note_limit=NOTE_LIMIT,
                             error=None if closed or is_note else str(exc),
                             note_error=str(exc) if is_note else None)
    assert ctx.existing is not None
    return _reflect_page(rt, token, stage=ctx.stage, prompt=ctx.prompt,
                         selected=ctx.existing.answer, note=ctx.existing.note,
                         shared=ctx.existing.shared, editable=True, saved=True, error=None,
                         note_error=None, note_limit=NOTE_LIMIT)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, rt: RuntimeDep, session: ReadSessionDep) -> HTMLResponse:
    partners.check_unsubscribe(session, rt, token)
    return page(rt, "unsubscribe.html")


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_submit(token: str, rt: RuntimeDep, uow: UowDep) -> HTMLResponse:
    """Serves both the page's button and RFC 8058 one-click POSTs from mail providers:
    no cookie, no redirect, and the same answer however often it is repeated."""
    partners.unsubscribe(uow, rt, token)
    return message_page(rt, "You will not receive any more emails", [
        "You have been unsubscribed from Reconnect. Nothing else changes for your partner.",
        "If you change your mind, you are always welcome back.",
    ])
