"""The preference centre, reached from a link in every stage email: what state the
emails are in and what comes next, and only the actions that do something in that
state: pause (for a set time or until resumed) and resume, when emails arrive, a new
address, coming back after stopping, the data pages, and the way to stop.
GET only shows; POST changes, and says exactly what changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import page
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.schedule import WEEKDAYS
from reconnect.models import PartnerStatus
from reconnect.partners import address, comeback, preferences
from reconnect.partners.centre import Centre, centre, local_day
from reconnect.partners.preference_links import PreferencesView, holder_id, view
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime
from reconnect.signups import invite_again
from reconnect.signups.invite_again import InviteResult
from reconnect.timezones import zone_choices
from reconnect.validation import Email, Name

router = APIRouter(responses={**PAGE_ERRORS, **TOKEN_PAGE_ERRORS})
ACTIONS = ("pause", "resume", "schedule", "change_email", "cancel_email_change",
           "continue", "restart", "invite", "discreet")
# Said whether or not the address can be invited, is enrolled, or refuses invitations.
INVITED = ("Thank you. If the address can receive our email, an invitation is on its way. "
           "You will see here whether it was accepted.")
INVITE_LIMIT = ("You have sent the three invitations a couple can send. You can keep going "
                "on your own; every exercise has a version to do alone.")
INVITE_NOT_NOW = "There is an invitation already, or your partner is in the program with you."
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The lengths offered for a pause, in weeks; "" pauses until resumed.
PAUSE_WEEKS = ("1", "2", "4")


class PreferencesForm(BaseModel):
    """What the page's buttons send: which action, and the fields it needs."""

    action: str = Field("", max_length=20)
    send_hour: str = Field("", max_length=10)
    timezone: str = Field("", max_length=64)
    quiet_days: list[Annotated[str, Field(max_length=2)]] = Field(default_factory=list,
                                                                 max_length=7)
    nudges: str = Field("", max_length=3)
    weeks: str = Field("", max_length=2)
    new_email: str = Field("", max_length=500)
    discreet: str = Field("", max_length=3)
    partner_email: str = Field("", max_length=400)
    partner_first_name: str = Field("", max_length=200)


class InviteForm(BaseModel):
    """The same checks as the signup form's partner fields."""

    partner_email: Email
    partner_first_name: Name


def _page(rt: Runtime, token: str, shown: PreferencesView, state: Centre, *,
          status_code: int = 200, errors: dict[str, str] | None = None,
          saved: str | None = None, form: dict[str, object] | None = None) -> HTMLResponse:
    values: dict[str, object] = {"send_hour": shown.send_hour, "timezone": shown.timezone,
                                 "quiet_days": shown.quiet_days, "nudges": shown.nudges,
                                 "new_email": "", "partner_email": "",
                                 "partner_first_name": ""}
    values.update(form or {})
    return page(rt, "preferences.html", status_code, shown=shown, centre=state, form=values,
                request_path=f"/preferences/{token}", pause_weeks=PAUSE_WEEKS,
                errors=errors or {}, saved=saved,
                timezones=zone_choices(rt.clock.now(), str(values["timezone"])),
                invitation=shown.invitation, invitations_left=shown.invitations_left,
                invitation_days=rt.settings.confirm_token_days, token=token,
                days=list(zip(WEEKDAYS, DAY_NAMES, strict=True)))


def _read(rt: Runtime, token: str) -> tuple[PreferencesView, Centre]:
    with rt.read_session() as session:
        shown = view(session, rt, token)
        return shown, centre(session, rt, shown.partner_id)


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    shown, state = _read(rt, token)
    return _page(rt, token, shown, state)


@router.post("/preferences/{token}", response_class=HTMLResponse, responses={
    409: {"description": "That action does nothing in the emails' current state; the "
                         "page says what can be done."}})
def preferences_submit(token: str, rt: RuntimeDep,
                       submitted: Annotated[PreferencesForm, Form()]) -> HTMLResponse:
    before, before_state = _read(rt, token)
    if submitted.action not in ACTIONS:
        return _page(rt, token, before, before_state, status_code=422,
                     errors={"form": "Please choose one of the buttons on this page."})
    form: dict[str, object] = {}
    try:
        with rt.unit_of_work() as uow:
            partner_id = holder_id(uow.session, rt, token)
            if submitted.action == "schedule":
                form = _schedule_form(submitted)
            elif submitted.action == "change_email":
                form = {"new_email": submitted.new_email}
            elif submitted.action == "invite":
                form = {"partner_email": submitted.partner_email,
                        "partner_first_name": submitted.partner_first_name}
            saved = _act(uow, rt, partner_id, submitted, form)
    except preferences.PreferenceError as exc:
        return _page(rt, token, before, before_state, status_code=422,
                     errors={exc.field: exc.message}, form=form)
    except (preferences.PartnerNotActive, comeback.NotAway):
        return _page(rt, token, before, before_state, status_code=409,
                     errors={"form": _not_now(before_state)})
    except comeback.BusySending:
        return _page(rt, token, before, before_state, status_code=409, errors={
            "form": "An email to you is being sent this moment. Please try again in a "
                    "minute."})
    after, after_state = _read(rt, token)
    return _page(rt, token, after, after_state, saved=_then(saved, after_state))


def _act(uow: UnitOfWork, rt: Runtime, partner_id: int, submitted: PreferencesForm,
         form: dict[str, object]) -> str:
    """Does the action; returns the sentence saying what changed."""
    action = submitted.action
    if action == "pause":
        if submitted.weeks not in ("", *PAUSE_WEEKS):
            raise preferences.PreferenceError("weeks", "Please choose one of the lengths "
                                              "listed.")
        until = rt.clock.now() + timedelta(weeks=int(submitted.weeks)) \
            if submitted.weeks else None
        partner = preferences.pause(uow, rt, partner_id, until)
        if until is None:
            return "Your emails are paused until you resume them. Nothing is sent until then."
        return (f"Your emails are paused until {local_day(until, partner.timezone)}. They "
                "start again by themselves then, where you left off.")
    if action == "resume":
        preferences.resume(uow, rt, partner_id)
        return "Your emails are on again, continuing where you left off."
    if action == "schedule":
        return _save_schedule(uow, rt, partner_id, form)
    if action == "change_email":
        new = address.request_change(uow, rt, partner_id, submitted.new_email)
        return (f"We sent a link to {new}. Your emails move there once you open it; until "
                "then they keep coming here. We told this address too.")
    if action == "cancel_email_change":
        address.cancel_change(uow, partner_id)
        return "The change of address is cancelled. Your emails keep coming here."
    if action == "discreet":
        preferences.set_discreet(uow, rt, partner_id, submitted.discreet == "yes")
        return "Saved. Your next emails follow this choice."
    if action == "invite":
        return _invite(uow, rt, partner_id, submitted)
    away = PartnerRepository(uow.session).get_for_update(partner_id)
    assert away is not None
    if not comeback.undo_window_open(away, rt.clock.now()) \
            and away.status is not PartnerStatus.COMPLETED:
        raise comeback.NotAway
    back = comeback.come_back(uow, rt, away, restart=action == "restart")
    return back.sentence()


def _then(saved: str, state: Centre) -> str:
    """The confirmation, with what follows from it where there is something to say."""
    if state.state == "active" and state.next_email and "arrives on" not in saved:
        return f"{saved} Your next email arrives on {state.next_email}."
    return saved


def _not_now(state: Centre) -> str:
    if state.state == "unsubscribed":
        return ("Your emails have stopped, so there is nothing to change here. To come "
                "back, sign up again with your address: we will email you a link to "
                "continue or start again.")
    if state.state == "completed":
        return "You have finished the program, so there is no schedule to change."
    return "That cannot be done right now."


def _invite(uow: UnitOfWork, rt: Runtime, partner_id: int,
            submitted: PreferencesForm) -> str:
    checked = _invite_form(submitted)
    result = invite_again.invite(uow, rt, partner_id, checked.partner_email,
                                 checked.partner_first_name)
    if result is InviteResult.OWN_ADDRESS:
        raise preferences.PreferenceError(
            "partner_email", "Your partner's address must be different from yours.")
    return {InviteResult.ACCEPTED: INVITED, InviteResult.LIMIT: INVITE_LIMIT,
            InviteResult.NOT_NOW: INVITE_NOT_NOW}.get(result, INVITED)


def _invite_form(submitted: PreferencesForm) -> InviteForm:
    try:
        return InviteForm(partner_email=submitted.partner_email,
                          partner_first_name=submitted.partner_first_name)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "partner_email"
        message = str(error.get("msg", "")).removeprefix("Value error, ") or (
            "Please check your partner's first name." if field == "partner_first_name"
            else "Please check your partner's email address.")
        raise preferences.PreferenceError(field, message) from exc


def _schedule_form(submitted: PreferencesForm) -> dict[str, object]:
    return {"send_hour": submitted.send_hour, "timezone": submitted.timezone,
            "quiet_days": frozenset(submitted.quiet_days), "nudges": submitted.nudges == "yes"}


def _save_schedule(uow: UnitOfWork, rt: Runtime, partner_id: int,
                   form: dict[str, object]) -> str:
    hour_text = str(form["send_hour"])
    if not hour_text.isdigit():
        raise preferences.PreferenceError("send_hour", "Please choose an hour from the list.")
    days = form["quiet_days"]
    assert isinstance(days, frozenset)
    if not all(str(day).isdigit() for day in days):
        raise preferences.PreferenceError("quiet_days", "Please tick days from the list.")
    quiet = sorted(int(str(d)) for d in days)
    partner = preferences.set_schedule(uow, rt, partner_id, int(hour_text),
                                       str(form["timezone"]), quiet)
    preferences.set_nudges(uow, rt, partner_id, bool(form["nudges"]))
    named = [DAY_NAMES[d - 1] for d in quiet if d in WEEKDAYS]
    none_on = f"none on {_joined(named)}" if named else "any day of the week"
    reminders = "reminders on" if form["nudges"] else "no reminders"
    return (f"Saved: your emails come at {partner.send_hour:02d}:00 ({partner.timezone}), "
            f"{none_on}, {reminders}.")


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
