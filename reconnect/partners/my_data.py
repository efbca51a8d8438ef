"""A partner's own data: all of it as JSON, or all of it erased.

Only the partner's own record, emails and reflections: never their partner's answers,
and nothing that would tell their partner anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries import resends
from reconnect.deliveries.calendar import step_name
from reconnect.models import Delivery, DeliveryKind, Reflection
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.needs import Needs
from reconnect.partners.notice_kinds import Notice, notice_of
from reconnect.partners.preference_links import holder_id
from reconnect.partners.repository import PartnerRepository
from reconnect.program.model import Program
from reconnect.tokens import TokenError, TokenProblem

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOTICE_NAMES: dict[Notice | None, str] = {
    Notice.LINKS: "Your links, as you asked",
    Notice.WELCOME_BACK: "Welcome back",
    Notice.NEW_ADDRESS: "Confirmation of a new address",
    Notice.ADDRESS_CHANGE: "Notice of a change of address",
    Notice.INVITATION: "A note that your invitation expired",
}


@dataclass(frozen=True)
class Erased:
    reflections: int
    emails: int


def export(session: Session, rt: Needs, token: str) -> dict[str, Any]:
    found = export_partner(session, rt, holder_id(session, rt, token))
    if found is None:
        raise TokenError(TokenProblem.INVALID)
    return found


def export_partner(session: Session, rt: Needs, partner_id: int) -> dict[str, Any] | None:
    """Everything stored about the partner, or None if nothing is (erased, or unknown).
    Beside each stored key, what a person reads: the step's name, the question and the
    chosen answer in words, and every time also in the partner's own time zone."""
    partner = PartnerRepository(session).get(partner_id)
    if partner is None:
        return None
    data = PartnerDataRepository(session)
    program = rt.programs.version(session, partner.program_version_id) \
        if partner.program_version_id is not None else None
    zone = partner.timezone
    return {
        "exported_at": _iso(rt.clock.now()),
        "exported_at_local": _local(rt.clock.now(), zone),
        "you": {
            "first_name": partner.first_name, "email": partner.email,
            "new_email_waiting_for_confirmation": partner.pending_email,
            "status": partner.status.value, "program": partner.program_slug,
            "program_title": program.title if program else None,
            "time_zone": partner.timezone, "send_hour": partner.send_hour,
            "role": partner.role, "discreet_emails": partner.discreet,
            "quiet_days": sorted(partner.quiet_weekdays),
            "quiet_day_names": [DAY_NAMES[d - 1] for d in sorted(partner.quiet_weekdays)],
            "reminders": partner.nudges,
            "program_start_date": _iso(partner.program_start_date),
            "signed_up_at": _iso(partner.created_at),
            "signed_up_at_local": _local(partner.created_at, zone),
            "confirmed_at": _iso(partner.confirmed_at),
            "confirmed_at_local": _local(partner.confirmed_at, zone),
            "paused_at": _iso(partner.paused_at),
            "paused_at_local": _local(partner.paused_at, zone),
            "pause_until": _iso(partner.pause_until),
            "pause_until_local": _local(partner.pause_until, zone),
            "unsubscribed_at": _iso(partner.unsubscribed_at),
            "unsubscribed_at_local": _local(partner.unsubscribed_at, zone),
            "suppressed_at": _iso(partner.suppressed_at),
        },
        "emails": [{"email": d.key, "step": _step(program, d), "what": _email_name(program, d),
                    "kind": d.kind.value, "status": d.status.value,
                    "due_at": _iso(d.due_at), "due_at_local": _local(d.due_at, zone),
                    "sent_at": _iso(d.sent_at), "sent_at_local": _local(d.sent_at, zone)}
                   for d in data.deliveries(partner.id)],
        "reflections": [_reflection(program, r, zone) for r in data.reflections(partner.id)],
    }


def _reflection(program: Program | None, r: Reflection, zone: str) -> dict[str, Any]:
    stage = program.stage(r.stage_key) if program else None
    prompt = next((p for p in stage.prompts if p.key == r.prompt_key), None) \
        if stage else None
    labels = [prompt.label_for(v) or v for v in r.answer.split(",")] if prompt else None
    return {"stage": r.stage_key, "step": step_name(stage) if stage else None,
            "question": r.prompt_key, "question_text": prompt.question if prompt else None,
            "answer": r.answer, "answer_label": ", ".join(labels) if labels else None,
            "note": r.note, "shared_with_partner": r.shared,
            "written_at": _iso(r.created_at), "written_at_local": _local(r.created_at, zone),
            "changed_at": _iso(r.updated_at), "changed_at_local": _local(r.updated_at, zone)}


def _step(program: Program | None, delivery: Delivery) -> str | None:
    """The step's readable name ("Week N · <title>") for stage emails, reminders and
    resends; None for confirmations and notices, which belong to no step."""
    if delivery.kind in (DeliveryKind.CONFIRMATION, DeliveryKind.NOTICE):
        return None
    stage = program.stage(_stage_key(delivery)) if program else None
    return step_name(stage) if stage else None


def _email_name(program: Program | None, delivery: Delivery) -> str:
    if delivery.kind is DeliveryKind.CONFIRMATION:
        return "Confirmation of your address"
    if delivery.kind is DeliveryKind.NOTICE:
        return NOTICE_NAMES.get(notice_of(delivery.key), "A note about your links")
    stage = program.stage(_stage_key(delivery)) if program else None
    prefix = {DeliveryKind.NUDGE: "Reminder: ", DeliveryKind.RESEND: "Copy: "}.get(
        delivery.kind, "")
    return prefix + (step_name(stage) if stage else delivery.key)


def _stage_key(delivery: Delivery) -> str:
    """The stage an email is about: its key, a resend's stage, or a reminder's stage
    (reminder keys are "_nudge-<stage>", reconnect/reflections/nudges.py)."""
    if delivery.kind is DeliveryKind.RESEND:
        return resends.stage_of(delivery)
    if delivery.kind is DeliveryKind.NUDGE:
        return delivery.key.removeprefix("_nudge-")
    return delivery.key


def _local(value: datetime | None, zone: str) -> str | None:
    """The moment in the person's zone, as ISO 8601 with its offset."""
    return value.astimezone(ZoneInfo(zone)).isoformat() if value is not None else None


def erase(uow: UnitOfWork, rt: Needs, token: str) -> Erased:
    """Erases everything stored about the partner. Their partner keeps their own data
    and emails, and is not told."""
    erased = erase_partner(uow, holder_id(uow.session, rt, token))
    if erased is None:
        raise TokenError(TokenProblem.USED)
    return erased


def erase_partner(uow: UnitOfWork, partner_id: int) -> Erased | None:
    """The same erasure by partner id; None if there is nothing (left) to erase."""
    partner = PartnerRepository(uow.session).get_for_update(partner_id)
    if partner is None:
        return None
    reflections, emails = PartnerDataRepository(uow.session).erase(partner)
    return Erased(reflections=reflections, emails=emails)


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None
