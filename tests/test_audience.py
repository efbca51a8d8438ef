"""Where a partner stands in their couple (reconnect/partners/audience.py), for every
state the texts speak to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import Partner, PartnerStatus
from reconnect.partners.audience import audience_of
from reconnect.program.audience import Audience
from reconnect.runtime import Runtime
from tests.support.flows import ANA, BEN, partner, send_due_now, signup_body
from tests.support.links import confirm_path, unsubscribe_path
from tests.support.smtp import SmtpSink

NOW = datetime(2026, 10, 20, 10, tzinfo=UTC)
LIFETIME = timedelta(days=7)


def _row(pid: int, status: PartnerStatus, *, role: str | None, invited_by: int | None = None,
         created: datetime = NOW, confirmed: bool = False, left: bool = False) -> Partner:
    return Partner(id=pid, status=status, role=role, invited_by_id=invited_by,
                   created_at=created, confirmed_at=NOW if confirmed else None,
                   partner_left=left)


A = PartnerStatus.ACTIVE
P = PartnerStatus.PENDING
U = PartnerStatus.UNSUBSCRIBED
OLD = NOW - LIFETIME - timedelta(hours=1)


@pytest.mark.parametrize(("me", "other", "invited_at", "expected"), [
    (_row(1, A, role="inviter"), _row(2, A, role="invitee", invited_by=1, confirmed=True),
     None, Audience("inviter", "joined")),
    (_row(1, A, role="inviter"), _row(2, P, role="invitee", invited_by=1), None,
     Audience("inviter", "invited")),
    (_row(1, A, role="inviter"), _row(2, U, role="invitee", invited_by=1, confirmed=True),
     None, Audience("inviter", "left")),
    (_row(1, A, role="inviter", left=True), None, None, Audience("inviter", "left")),
    (_row(1, A, role="inviter"), _row(2, P, role="invitee", invited_by=1, created=OLD), None,
     Audience("inviter", "none")),
    (_row(1, A, role="inviter"), None, NOW, Audience("inviter", "invited")),  # refused quietly
    (_row(1, A, role="inviter"), None, OLD, Audience("inviter", "none")),
    (_row(2, A, role="invitee", invited_by=1), _row(1, A, role="inviter", confirmed=True),
     None, Audience("invitee", "joined")),
    (_row(2, A, role="invitee", invited_by=1, left=True), None, None,
     Audience("invitee", "left")),
    (_row(1, A, role="solo"), None, None, Audience("solo", "none")),
    (_row(1, A, role="solo"), _row(2, P, role="invitee", invited_by=1), NOW,
     Audience("solo", "invited")),
    (_row(1, A, role=None), _row(2, P, role=None, invited_by=1), None,
     Audience("inviter", "invited")),  # a row from before roles
])
def test_audience_of_every_state(me: Partner, other: Partner | None,
                                 invited_at: datetime | None, expected: Audience) -> None:
    assert audience_of(me, other, NOW, LIFETIME, invited_at=invited_at) == expected


def test_the_one_who_stays_learns_only_that_their_partner_left(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post("/api/v1/signups", json=signup_body())
    send_due_now(runtime)
    for email in (ANA, BEN):
        assert client.post(confirm_path(smtp_sink.to(email)[-1])).status_code == 200
    clock.advance(timedelta(days=1))
    send_due_now(runtime)  # the welcomes
    assert not partner(runtime, ANA).partner_left
    one_click = client.post(unsubscribe_path(smtp_sink.to(BEN)[-1]),
                            data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    ana, ben = partner(runtime, ANA), partner(runtime, BEN)
    assert ana.partner_left
    assert not ben.partner_left
    # What Ana's stage texts branch on from now on: never why Ben left.
    assert audience_of(ana, ben, runtime.clock.now(), LIFETIME) == Audience("inviter", "left")
