"""Resending a stage: a new, explicit delivery of a stage the partner already received
(or whose send failed), through the normal dispatch path. See
``reconnect.deliveries.resends`` for the key scheme."""

from __future__ import annotations

from reconnect.admin.needs import Needs
from reconnect.admin.repository import AdminRepository
from reconnect.admin.schemas import Resent
from reconnect.admin.service import InvalidInput, UnknownPartner, audit
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.resends import RESENDABLE, resend_key
from reconnect.jobs import DISPATCH_DUE
from reconnect.models import DeliveryKind, DeliveryStatus, Partner
from reconnect.partners.repository import PartnerRepository
from reconnect.partners.rules import suppressed

# The stage's own email went out, or its time came and the send failed for good.
_REACHED = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED})


class ResendRefused(Exception):
    """The partner may not get a resend now; ``reason`` is a short code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def resend(uow: UnitOfWork, rt: Needs, partner_id: int, stage_key: str) -> Resent:
    """Adds a resend due now and asks for a dispatch once it commits."""
    partner = PartnerRepository(uow.session).get_for_update(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    _check_partner(partner)
    assert partner.program_version_id is not None  # active and completed partners have one
    program = rt.programs.version(uow.session, partner.program_version_id)
    stage = program.stage(stage_key)
    if stage is None:
        raise InvalidInput("stage", f"The partner's program version has no stage "
                                    f"'{stage_key}'.")
    repo = AdminRepository(uow.session)
    own = repo.stage_delivery(partner.id, stage.key)
    if own is None or own.status not in _REACHED:
        raise ResendRefused("stage_not_reached", f"The partner has not received "
                            f"'{stage.key}' yet; only stages already sent can be resent.")
    # The partner's row is locked, so two resends at once cannot pick the same number.
    number = repo.resends_of(partner.id, stage.key) + 1
    now = rt.clock.now()
    delivery = DeliveryRepository(uow.session).add(
        partner.id, DeliveryKind.RESEND, resend_key(stage.key, number), stage.position, now,
        now)
    uow.enqueue_after_commit(DISPATCH_DUE)
    audit("resend", partner.id, stage=stage.key, delivery=delivery.id)
    return Resent(delivery_id=delivery.id, key=delivery.key, stage=stage.key,
                  status=delivery.status.value, due_at=delivery.due_at)


def _check_partner(partner: Partner) -> None:
    if suppressed(partner):
        raise ResendRefused("suppressed", "This address is suppressed; nothing more is "
                                          "sent to it.")
    if partner.status not in RESENDABLE:
        raise ResendRefused(f"partner_{partner.status.value}",
                            f"The partner is {partner.status.value}; only enrolled partners "
                            "and those who completed the program can get a resend.")
    if partner.paused_at is not None:
        raise ResendRefused("paused", "The partner has paused their emails; resume them "
                                      "first if they asked for this copy.")
