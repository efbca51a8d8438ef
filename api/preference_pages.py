"""The preferences page, reached from a link in every stage email: pause and resume,
when emails arrive, quiet days, and the way to stop. GET only shows; POST changes."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ReadSessionDep, RuntimeDep, UowDep
from api.views import message_page, page
from reconnect.deliveries.schedule import WEEKDAYS
from reconnect.partners import preferences
from reconnect.partners.preference_links import PreferencesView, partner_id_for, view
from reconnect.runtime import Runtime
from reconnect.validation import sorted_timezones

router = APIRouter()
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ACTIONS = ("pause", "resume", "schedule")


def _page(rt: Runtime, token: str, shown: PreferencesView, *, status_code: int = 200,
          errors: dict[str, str] | None = None, saved: str | None = None,
          form: dict[str, object] | None = None) -> HTMLResponse:
    values: dict[str, object] = {"send_hour": shown.send_hour, "timezone": shown.timezone,
                                 "quiet_days": shown.quiet_days, "nudges": shown.nudges}
    values.update(form or {})
    return page(rt, "preferences.html", status_code, shown=shown, form=values,
                request_path=f"/preferences/{token}",
                errors=errors or {}, saved=saved, timezones=sorted_timezones(),
                days=list(zip(WEEKDAYS, DAY_NAMES, strict=True)))


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(token: str, rt: RuntimeDep, session: ReadSessionDep) -> HTMLResponse:
    shown = view(session, rt, token)
    return _page(rt, token, shown)


@router.post("/preferences/{token}", response_class=HTMLResponse)
async def preferences_submit(token: str, request: Request, rt: RuntimeDep,
                             uow: UowDep) -> HTMLResponse:
    partner_id = partner_id_for(rt, token)
    before = view(uow.session, rt, token)
    raw = await request.form()
    action = str(raw.get("action", ""))
    if action not in ACTIONS:
        return _page(rt, token, before, status_code=422,
                     errors={"form": "Please choose one of the buttons on this page."})
    form: dict[str, object] = {}
    try:
        if action == "pause":
            preferences.pause(uow, rt, partner_id)
            saved = "Your emails are paused. Nothing is sent until you resume."
        elif action == "resume":
            preferences.resume(uow, rt, partner_id)
            saved = "Welcome back. Your next email comes at your usual time."
        else:
            form = _schedule_form(raw.get("send_hour"), raw.get("timezone"),
                                  raw.getlist("quiet_days"), raw.get("nudges") == "yes")
            _save_schedule(uow, rt, partner_id, form)
            saved = "Saved. Your next email follows your new choices."
    except preferences.PreferenceError as exc:
        return _page(rt, token, before, status_code=422, errors={exc.field: exc.message}, form=form)
    except preferences.PartnerNotActive:
        return message_page(rt, "There is nothing to change", [
            "Your Reconnect emails have stopped, so there is no schedule to change.",
            "If you would like to start again, you are welcome to sign up once more.",
        ], status_code=409)
    return _page(rt, token, view(uow.session, rt, token), saved=saved)


def _schedule_form(hour: object, zone: object, days: Sequence[object],
                   nudges: bool) -> dict[str, object]:
    return {"send_hour": str(hour or "")[:3], "timezone": str(zone or "")[:64],
            "quiet_days": frozenset(str(d)[:2] for d in days), "nudges": nudges}


def _save_schedule(uow: UowDep, rt: Runtime, partner_id: int, form: dict[str, object]) -> None:
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
