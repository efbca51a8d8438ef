"""Shared by the admin tests: the token, its headers, and settings that turn admin on."""

from __future__ import annotations

import base64

from reconnect.models import (
    Couple,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Partner,
    PartnerStatus,
    Reflection,
)
from reconnect.runtime import Runtime

ADMIN_TOKEN = "admin-test-token-0123456789abcdefXYZ"
BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"ops:{ADMIN_TOKEN}".encode()).decode()}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode())
            .decode()}


def add_partner(rt: Runtime, email: str, status: PartnerStatus, sent: int = 0,
                ratings: dict[str, str] | None = None, slug: str = "main",
                extra: tuple[tuple[DeliveryKind, str, int], ...] = ()) -> int:
    """A partner written straight to the database, for counting: their first ``sent``
    stages sent, ``ratings`` answers to each stage's "connection" question, and ``extra``
    sent emails of other kinds (kind, key, position)."""
    now = rt.clock.now()
    version, program = rt.programs.current(slug)
    with rt.unit_of_work() as uow:
        couple = Couple(created_at=now)
        uow.session.add(couple)
        uow.session.flush()
        confirmed = status is not PartnerStatus.PENDING
        partner = Partner(couple_id=couple.id, email=email, first_name="Sam",
                          timezone="Europe/London", send_hour=8, status=status,
                          program_slug=slug, program_version_id=version if confirmed else None,
                          confirmations_sent=1, created_at=now,
                          confirmed_at=now if confirmed else None,
                          program_start_date=now.date() if confirmed else None,
                          unsubscribed_at=now if status is PartnerStatus.UNSUBSCRIBED
                          else None)
        uow.session.add(partner)
        uow.session.flush()
        rows = [(DeliveryKind.STAGE, s.key, s.position) for s in program.stages[:sent]]
        for kind, key, position in [*rows, *extra]:
            uow.session.add(Delivery(partner_id=partner.id, kind=kind, key=key,
                                     position=position, due_at=now, status=DeliveryStatus.SENT,
                                     attempts=1, sent_at=now, created_at=now))
        for stage_key, answer in (ratings or {}).items():
            uow.session.add(Reflection(partner_id=partner.id, stage_key=stage_key,
                                       prompt_key="connection", answer=answer,
                                       note="a private note", created_at=now, updated_at=now))
        return partner.id
