"""A partner's own data: all of it as JSON, or all of it erased.

Only the partner's own record, emails and reflections: never their partner's answers,
and nothing that would tell their partner anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.calendar import step_name
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.needs import Needs
from reconnect.partners.preference_links import holder_id
from reconnect.partners.repository import PartnerRepository
from reconnect.tokens import TokenError, TokenProblem


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
    """Everything stored about the partner, or None if nothing is (erased, or unknown)."""
    partner = PartnerRepository(session).get(partner_id)
    if partner is None:
        return None
    data = PartnerDataRepository(session)
    program = rt.programs.version(session, partner.program_version_id) \
        if partner.program_version_id is not None else None

    def step(key: str) -> str | None:
        """The step's readable name ("Week N · <title>"), for stage emails, reminders,
        resends and answers; None for confirmation emails."""
        stage = program.stage(step_key(key)) if program is not None else None
        return step_name(stage) if stage is not None else None

    def question(stage_key: str, prompt_key: str) -> str | None:
        stage = program.stage(stage_key) if program is not None else None
        prompt = stage.prompt(prompt_key) if stage is not None else None
        return prompt.question if prompt is not None else None

    return {
        "exported_at": _iso(rt.clock.now()),
        "you": {
            "first_name": partner.first_name, "email": partner.email,
            "status": partner.status.value, "program": partner.program_slug,
            "time_zone": partner.timezone, "send_hour": partner.send_hour,
            "role": partner.role, "discreet_emails": partner.discreet,
            "quiet_days": sorted(partner.quiet_weekdays), "reminders": partner.nudges,
            "program_start_date": _iso(partner.program_start_date),
            "signed_up_at": _iso(partner.created_at),
            "confirmed_at": _iso(partner.confirmed_at),
            "paused_at": _iso(partner.paused_at),
            "unsubscribed_at": _iso(partner.unsubscribed_at),
            "suppressed_at": _iso(partner.suppressed_at),
        },
        "emails": [{"email": d.key, "step": step(d.key), "kind": d.kind.value,
                    "status": d.status.value,
                    "due_at": _iso(d.due_at), "sent_at": _iso(d.sent_at)}
                   for d in data.deliveries(partner.id)],
        "reflections": [{"stage": r.stage_key, "step": step(r.stage_key),
                         "question": r.prompt_key,
                         "question_text": question(r.stage_key, r.prompt_key),
                         "answer": r.answer,
                         "note": r.note, "shared_with_partner": r.shared,
                         "written_at": _iso(r.created_at),
                         "changed_at": _iso(r.updated_at)}
                        for r in data.reflections(partner.id)],
    }


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


def step_key(key: str) -> str:
    """The stage a delivery key is about: the stage itself, a reminder ("_nudge-<stage>")
    or a resend ("_resend-<stage>-<n>")."""
    if key.startswith("_nudge-"):
        return key.removeprefix("_nudge-")
    if key.startswith("_resend-"):
        return key.removeprefix("_resend-").rsplit("-", 1)[0]
    return key


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None
