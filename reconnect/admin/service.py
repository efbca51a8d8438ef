"""Operators' actions on one partner, by id. The caller owns the transaction (services
flush, never commit). Every action is logged with the partner's id, never the address.

Errors: :class:`UnknownPartner` (no such partner), :class:`PartnerNotActive` (pause and
resume follow the partner's own rules in ``reconnect.partners.preferences``),
:class:`InvalidInput` (a field that cannot be used; nothing changes).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from reconnect.admin.needs import Needs
from reconnect.admin.repository import AdminRepository
from reconnect.admin.schemas import (
    FailedEmail,
    PartnerSummary,
    ProgramRef,
    QueueReport,
    SentEmail,
    WaitingEmail,
)
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.health import queue_health
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus
from reconnect.partners import my_data, preferences
from reconnect.partners import service as partners
from reconnect.partners.my_data import Erased
from reconnect.partners.preferences import PartnerNotActive, UnknownPartner
from reconnect.partners.repository import PartnerRepository
from reconnect.sending.compose import stage_key_of
from reconnect.validation import clean_email

__all__ = ["Erased", "InvalidInput", "PartnerNotActive", "UnknownPartner", "audit", "erase",
           "export", "find", "pause", "queue", "resume", "summary", "suppress"]

log = logging.getLogger(__name__)
S = DeliveryStatus
_WAITING = (S.SCHEDULED, S.HELD, S.CLAIMED, S.SENDING)


class InvalidInput(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def audit(action: str, partner_id: int | None, **extra: object) -> None:
    """One log line per operator action: what, and to which partner id."""
    log.info("admin action", extra={"action": action, "partner": partner_id, **extra})


def find(session: Session, rt: Needs, email: str) -> PartnerSummary | None:
    """The partner with this address, normalised as signups store it."""
    try:
        address = clean_email(email)
    except ValueError as exc:
        raise InvalidInput("email", str(exc)) from exc
    partner_id = AdminRepository(session).partner_id_by_email(address)
    audit("find", partner_id, found=partner_id is not None)
    return summary(session, rt, partner_id) if partner_id is not None else None


def summary(session: Session, rt: Needs, partner_id: int) -> PartnerSummary:
    repo = AdminRepository(session)
    partner = repo.partner(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    version = partner.program_version_id
    rows = repo.deliveries(partner.id)
    return PartnerSummary(
        id=partner.id, status=partner.status.value,
        program=ProgramRef(slug=partner.program_slug, version=version,
                           content_hash=repo.content_hash(version) if version else None),
        signed_up_at=partner.created_at, confirmed_at=partner.confirmed_at,
        paused_at=partner.paused_at, suppressed_at=partner.suppressed_at,
        suppressed_reason=partner.suppressed_reason, unsubscribed_at=partner.unsubscribed_at,
        permanent_failures=partner.permanent_failures,
        sent=[SentEmail(kind=d.kind.value, stage=_stage(d), sent_at=d.sent_at)
              for d in rows if d.status is S.SENT],
        failed=[FailedEmail(kind=d.kind.value, stage=_stage(d), reason=d.last_error,
                            failed_at=d.failed_at) for d in rows if d.status is S.FAILED],
        waiting=[WaitingEmail(delivery_id=d.id, kind=d.kind.value, stage=_stage(d),
                              status=d.status.value, due_at=d.due_at)
                 for d in rows if d.status in _WAITING],
        reflections=repo.reflection_count(partner.id))


def _stage(delivery: Delivery) -> str | None:
    return None if delivery.kind is DeliveryKind.CONFIRMATION else stage_key_of(delivery)


def pause(uow: UnitOfWork, rt: Needs, partner_id: int) -> PartnerSummary:
    """As the partner's own pause: their waiting stage is held until resumed."""
    preferences.pause(uow, rt, partner_id)
    audit("pause", partner_id)
    return summary(uow.session, rt, partner_id)


def resume(uow: UnitOfWork, rt: Needs, partner_id: int) -> PartnerSummary:
    """As the partner's own resume: the held stage is scheduled again."""
    preferences.resume(uow, rt, partner_id)
    audit("resume", partner_id)
    return summary(uow.session, rt, partner_id)


def suppress(uow: UnitOfWork, rt: Needs, partner_id: int) -> PartnerSummary:
    """No more mail to this address: as after repeated permanent refusals. Waiting emails
    are cancelled; one a worker already holds is cancelled at its send. Idempotent: the
    first suppression time stays."""
    partner = PartnerRepository(uow.session).get_for_update(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    partners.suppress(uow.session, partner, rt.clock.now(), "suppressed by an operator")
    audit("suppress", partner_id)
    return summary(uow.session, rt, partner_id)


def export(session: Session, rt: Needs, partner_id: int) -> dict[str, Any]:
    """The same document the partner downloads from their preferences page."""
    data = my_data.export_partner(session, rt, partner_id)
    if data is None:
        raise UnknownPartner(partner_id)
    audit("export", partner_id)
    return data


def erase(uow: UnitOfWork, rt: Needs, partner_id: int) -> Erased | None:
    """The same erasure a partner can do themselves. Idempotent: None when nothing is
    stored (already erased, or never was)."""
    erased = my_data.erase_partner(uow, partner_id)
    audit("erase", partner_id, erased=erased is not None)
    return erased


def queue(session: Session, rt: Needs) -> QueueReport:
    health = queue_health(session, rt.clock.now())
    return QueueReport(counts={s.value: n for s, n in health.counts.items()},
                       oldest_due_at=health.oldest_due_at, lag_seconds=health.lag_seconds)
