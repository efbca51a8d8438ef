"""The web version of a stage email someone received ("view in browser"): the very email,
rendered by the same composition as the one sent (``deliveries.compose``), behind the
person's own link. Only steps already sent to them; reads only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reconnect.models import Delivery, DeliveryKind, DeliveryStatus
from reconnect.partners.links import link_holder
from reconnect.partners.repository import PartnerRepository
from reconnect.sending.compose import compose
from reconnect.sending.needs import Needs
from reconnect.tokens import Purpose


class NotReceived(LookupError):
    """No such step, or not one sent to this person (yet)."""


def archived_email(session: Session, rt: Needs, token: str, step: int) -> tuple[str, str]:
    """(subject, HTML) of step ``step`` (1-based) as the person received it."""
    partner, _ = link_holder(session, rt, Purpose.PREFERENCES, token)
    if partner.program_version_id is None:
        raise NotReceived(step)
    stage = rt.programs.version(session, partner.program_version_id).stage_at(step - 1) \
        if 0 < step <= 1000 else None
    if stage is None:
        raise NotReceived(step)
    delivery = session.execute(
        select(Delivery).where(Delivery.partner_id == partner.id,
                               Delivery.kind == DeliveryKind.STAGE,
                               Delivery.key == stage.key,
                               Delivery.status == DeliveryStatus.SENT)).scalar_one_or_none()
    if delivery is None:
        raise NotReceived(step)
    other = PartnerRepository(session).other_partner(partner)
    email = compose(session, rt, delivery, partner, other)
    return email.subject, email.html
