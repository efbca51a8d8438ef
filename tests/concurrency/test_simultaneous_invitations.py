"""The couple's shared state under requests at the same instant, over a real server
process with two workers: invitations sent again never pass the couple's limit, two
confirmations start one calendar, and nobody gets an error page."""

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
from tests.support.flows import ANA, BEN, first_stage_email, partner, send_due_now, signup_body
from tests.support.links import confirm_path, preferences_path
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


def test_two_confirmations_at_the_same_instant_start_one_calendar(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    # A day apart in local dates, so two calendars would show.
    body = signup_body(timezone="Pacific/Kiritimati")
    assert client.post("/api/v1/signups", json=body).status_code == 202
    before = len(smtp_sink.messages)
    send_due_now(runtime)
    links = {m.to: confirm_path(m) for m in smtp_sink.messages[before:]}
    zones = {ANA: "Pacific/Kiritimati", BEN: "Pacific/Pago_Pago"}
    order = [ANA, BEN]

    def confirm(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(links[order[n]], data={"timezone": zones[order[n]], "send_hour": "9"})

    result = burst(server, 2, confirm)
    assert result.statuses == [200, 200]
    ana, ben = partner(runtime, ANA), partner(runtime, BEN)
    with runtime.read_session() as session:
        started_on = session.execute(select(Couple.started_on)
                                     .where(Couple.id == ana.couple_id)).scalar_one()
    assert started_on is not None
    assert ana.program_start_date == ben.program_start_date == started_on
