"""The preferences page, reached from a link in every stage email: pause and resume,
when emails arrive, quiet days, and the way to stop. GET only shows; POST changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import message_page, page
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.schedule import WEEKDAYS
from reconnect.partners import preferences
from reconnect.partners.preference_links import PreferencesView, holder_id, view
from reconnect.runtime import Runtime
from reconnect.signups import invite_again
from reconnect.signups.invite_again import InviteResult
from reconnect.validation import Email, Name, sorted_timezones

router = APIRouter(responses={**PAGE_ERRORS, **TOKEN_PAGE_ERRORS})
ACTIONS = ("pause", "resume", "schedule", "invite", "discreet")
# Said whether or not the address can be invited, is enrolled, or refuses invitations.
INVITED = ("Thank you. If the address can receive our email, an invitation is on its way. "
           "You will see here whether it was accepted.")
INVITE_LIMIT = ("You have sent the three invitations a couple can send. You can keep going "
                "on your own; every exercise has a version to do alone.")
INVITE_NOT_NOW = "There is an invitation already, or your partner is in the program with you."
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class PreferencesForm(BaseModel):
    """What the page's buttons send: which action, and for "schedule" the new choices."""

    action: str = Field("", max_length=20)
    send_hour: str = Field("", max_length=10)
    timezone: str = Field("", max_length=64)
    quiet_days: list[Annotated[str, Field(max_length=2)]] = Field(default_factory=list,
                                                                 max_length=7)
    nudges: str = Field("", max_length=3)
    discreet: str = Field("", max_length=3)
    partner_email: str = Field("", max_length=400)
    partner_first_name: str = Field("", max_length=200)


class InviteForm(BaseModel):
    """The same checks as the signup form's partner fields."""

    partner_email: Email
    partner_first_name: Name


def _page(rt: Runtime, token: str, shown: PreferencesView, *, status_code: int = 200,
          errors: dict[str, str] | None = None, saved: str | None = None,
          form: dict[str, object] | None = None) -> HTMLResponse:
    values: dict[str, object] = {"send_hour": shown.send_hour, "timezone": shown.timezone,
                                 "quiet_days": shown.quiet_days, "nudges": shown.nudges,
                                 "partner_email": "", "partner_first_name": ""}
    values.update(form or {})
    return page(rt, "preferences.html", status_code, shown=shown, form=values,
                request_path=f"/preferences/{token}",
                errors=errors or {}, saved=saved, timezones=sorted_timezones(),
                invitation=shown.invitation, invitations_left=shown.invitations_left,
                invitation_days=rt.settings.confirm_token_days,
                days=list(zip(WEEKDAYS, DAY_NAMES, strict=True)))


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        shown = view(session, rt, token)
    return _page(rt, token, shown)


@router.post("/preferences/{token}", response_class=HTMLResponse, responses={
    409: {"description": "The emails have stopped: there is nothing to change."}})
def preferences_submit(token: str, rt: RuntimeDep,
                       submitted: Annotated[PreferencesForm, Form()]) -> HTMLResponse:
    with rt.read_session() as session:
        before = view(session, rt, token)
    if submitted.action not in ACTIONS:
        return _page(rt, token, before, status_code=422,
                     errors={"form": "Please choose one of the buttons on this page."})
    form: dict[str, object] = {}
    try:
        with rt.unit_of_work() as uow:
            partner_id = holder_id(uow.session, rt, token)
            if submitted.action == "pause":
                preferences.pause(uow, rt, partner_id)
                saved = "Your emails are paused. Nothing is sent until you resume."
            elif submitted.action == "resume":
                preferences.resume(uow, rt, partner_id)
                saved = "Welcome back. Your next email comes at your usual time."
            elif submitted.action == "discreet":
                preferences.set_discreet(uow, rt, partner_id, submitted.discreet == "yes")
                saved = "Saved. Your next emails follow this choice."
            elif submitted.action == "invite":
                form = {"partner_email": submitted.partner_email,
                        "partner_first_name": submitted.partner_first_name}
                checked = _invite_form(submitted)
                result = invite_again.invite(uow, rt, partner_id, checked.partner_email,
                                             checked.partner_first_name)
                if result is InviteResult.OWN_ADDRESS:
                    raise preferences.PreferenceError(
                        "partner_email", "Your partner's address must be different from yours.")
                saved = {InviteResult.ACCEPTED: INVITED, InviteResult.LIMIT: INVITE_LIMIT,
                         InviteResult.NOT_NOW: INVITE_NOT_NOW}.get(result, INVITED)
            else:
                form = _schedule_form(submitted)
                _save_schedule(uow, rt, partner_id, form)
                saved = "Saved. Your next email follows your new choices."
    except preferences.PreferenceError as exc:
        return _page(rt, token, before, status_code=422, errors={exc.field: exc.message},
                     form=form)
    except preferences.PartnerNotActive:
        return message_page(rt, "There is nothing to change", [
            "Your Reconnect emails have stopped, so there is no schedule to change.",
            "If you would like to start again, you are welcome to sign up once more.",
        ], status_code=409)
    with rt.read_session() as session:
        after = view(session, rt, token)
    return _page(rt, token, after, saved=saved)


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
                   form: dict[str, object]) -> None:
    hour_text = str(form["send_hour"])
    if not hour_text.isdigit():
        raise preferences.PreferenceError("send_hour", "Please choose an hour from the list.")
    days = form["quiet_days"]
    assert isinstance(days, frozenset)
    if not all(str(day).isdigit() for day in days):
        raise preferences.PreferenceError("quiet_days", "Please tick days from the list.")
    preferences.set_schedule(uow, rt, partner_id, int(hour_text), str(form["timezone"]),
                             sorted(int(str(d)) for d in days))
    preferences.set_nudges(uow, rt, partner_id, bool(form["nudges"]))
