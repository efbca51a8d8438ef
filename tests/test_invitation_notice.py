"""When an invitation expires, the inviter is told once, gently, by a notice email: found
due by the beat job in the database, sent by the normal dispatch path."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.partners.notices import expire_invitations
from reconnect.partners.preference_links import preferences_token
from reconnect.runtime import Runtime
from tests.support.flows import ANA, BEN, deliver_due, deliveries, partner, signup_body
from tests.support.links import confirm_path
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.usefixtures("worker")


def _ana_confirmed_ben_never_answers(client: TestClient, runtime: Runtime,
                                     sink: SmtpSink) -> None:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    confirmations = {m.to: m for m in deliver_due(runtime, sink, 2, since=0)}
    assert client.post(confirm_path(confirmations[ANA])).status_code == 200


def _notices(runtime: Runtime) -> list[DeliveryStatus]:
    return [d.status for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.NOTICE]


def _expired(runtime: Runtime, clock: ManualClock) -> None:
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, minutes=5))


def test_an_expired_invitation_is_noticed_once_at_the_send_hour_and_its_row_erased(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _ana_confirmed_ben_never_answers(client, runtime, smtp_sink)
    assert expire_invitations(runtime) == 0  # not expired yet
    _expired(runtime, clock)
    assert expire_invitations(runtime) == 1
    assert expire_invitations(runtime) == 0  # the beat job running again plans nothing
    assert [m.to for m in smtp_sink.messages].count(BEN) == 1  # only the invitation
    with pytest.raises(Exception):  # noqa: B017,PT011 - the lapsed row is gone
        partner(runtime, BEN)
    [row] = [d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.NOTICE]
    local = row.due_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (7, 0)
    clock.set(row.due_at)
    sent = [m for m in deliver_due(runtime, smtp_sink, 2) if m.to == ANA]
    notice = next(m for m in sent if m.subject == "About your invitation")
    assert "expired without an answer" in notice.text
    assert "Ben" not in notice.text  # the notice never names or explains
    assert _notices(runtime) == [DeliveryStatus.SENT]
    assert expire_invitations(runtime) == 0


def test_a_renewed_invitation_that_expires_again_gets_its_own_notice(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _ana_confirmed_ben_never_answers(client, runtime, smtp_sink)
    _expired(runtime, clock)
    assert expire_invitations(runtime) == 1
    token = preferences_token(runtime, partner(runtime, ANA))
    client.post(f"/preferences/{token}", data={"action": "invite", "partner_email": BEN,
                                                "partner_first_name": "Ben"})
    assert expire_invitations(runtime) == 0  # the new one is pending
    _expired(runtime, clock)
    assert expire_invitations(runtime) == 1
    assert len(_notices(runtime)) == 2


def test_no_notice_once_the_partner_joined(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _ana_confirmed_ben_never_answers(client, runtime, smtp_sink)
    assert client.post(confirm_path(smtp_sink.to(BEN)[-1])).status_code == 200
    _expired(runtime, clock)
    assert expire_invitations(runtime) == 0


def test_a_discreet_inviter_s_notice_names_neither_the_program_nor_the_invitation(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _ana_confirmed_ben_never_answers(client, runtime, smtp_sink)
    token = preferences_token(runtime, partner(runtime, ANA))
    client.post(f"/preferences/{token}", data={"action": "discreet", "discreet": "yes"})
    _expired(runtime, clock)
    assert expire_invitations(runtime) == 1
    [row] = [d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.NOTICE]
    clock.set(row.due_at)
    sent = [m for m in deliver_due(runtime, smtp_sink, 2) if m.to == ANA]
    notice = next(m for m in sent if "expired without an answer" in m.text)
    program = runtime.programs.current()[1]
    assert notice.subject == "A short note for you"
    assert str(notice.message["From"]).startswith(program.discreet_envelope.sender_name)
    assert program.title not in notice.text.split("\n\n")[0]
