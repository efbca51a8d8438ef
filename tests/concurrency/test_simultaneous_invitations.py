"""Invitations sent again at the same instant, over a real server process with two
workers: the couple's limit holds and nobody gets an error page."""

from __future__ import annotations

from datetime import timedelta

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from reconnect.clock import ManualClock
from reconnect.models import Couple, Partner
from reconnect.runtime import Runtime
from tests.support.burst import burst
from tests.support.flows import ANA, first_stage_email, partner
from tests.support.links import preferences_path
from tests.support.smtp import SmtpSink

pytestmark = [pytest.mark.process, pytest.mark.timeout(180)]


@pytest.mark.parametrize("used", [1, 2, 3])
def test_simultaneous_invitations_never_pass_the_couples_limit(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock, used: int) -> None:
    link = preferences_path(first_stage_email(client, runtime, smtp_sink, clock))
    couple_id = partner(runtime, ANA).couple_id
    with runtime.unit_of_work() as uow:
        # Earlier invitations, long expired: room for 3 - used more.
        uow.session.execute(update(Couple).where(Couple.id == couple_id).values(
            invitations_sent=used, invited_at=clock.now() - timedelta(days=30)))

    def invite(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(link, data={"action": "invite", "partner_first_name": "Sam",
                                  "partner_email": f"sam{n}@example.org"})

    result = burst(server, 2, invite)
    assert set(result.statuses) <= {200, 503}, result.statuses
    with runtime.read_session() as session:
        sent = session.execute(select(Couple.invitations_sent)
                               .where(Couple.id == couple_id)).scalar_one()
        invited = session.execute(select(func.count()).select_from(Partner).where(
            Partner.couple_id == couple_id, Partner.invited_by_id.is_not(None))).scalar_one()
    # One invitation at a time: the second request finds the first one pending, or the
    # limit reached (a request turned away as too busy changes nothing).
    answered = 200 in result.statuses
    assert sent == min(3, used + answered)
    assert invited == (1 if used < 3 and answered else 0)
