"""The invitation as a lifecycle: a solo start invites later, an expired invitation is
invited again, at most three per couple, and an address that refuses invitations gets
nothing while the inviter reads the same neutral answer."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Couple
from reconnect.partners.audience import audience_in
from reconnect.partners.preference_links import preferences_token
from reconnect.program.audience import Audience
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    enrol,
    partner,
    send_due_now,
    signup_body,
)
from tests.support.links import confirm_path, links, path_of
from tests.support.smtp import SmtpSink

CAROL = "carol@example.org"
NEUTRAL = "If the address can receive our email, an invitation is on its way."


def _preferences(rt: Runtime, email: str = ANA) -> str:
    return f"/preferences/{preferences_token(rt, partner(rt, email))}"


def _invite(client: TestClient, rt: Runtime, email: str = BEN, name: str = "Ben") -> str:
    response = client.post(_preferences(rt), data={
        "action": "invite", "partner_email": email, "partner_first_name": name})
    assert response.status_code == 200
    return response.text


def _invitations_sent(rt: Runtime) -> int:
    with rt.read_session() as session:
        couple = session.execute(select(Couple).where(
            Couple.id == partner(rt, ANA).couple_id)).scalar_one()
        return couple.invitations_sent


def test_a_solo_signup_is_solo_and_may_invite_later(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    assert partner(runtime, ANA).role == "solo"
    assert "Invite my partner" in client.get(_preferences(runtime)).text
    assert NEUTRAL in _invite(client, runtime)
    send_due_now(runtime)
    [invitation] = smtp_sink.to(BEN)
    assert partner(runtime, BEN).role == "invitee"
    assert partner(runtime, ANA).role == "solo"  # until Ben joins
    assert "waiting for an answer" in client.get(_preferences(runtime)).text
    assert client.post(confirm_path(invitation)).status_code == 200
    assert partner(runtime, ANA).role == "inviter"
    assert "accepted your invitation" in client.get(_preferences(runtime)).text


def test_an_expired_invitation_shows_expired_and_can_be_sent_again_up_to_the_limit(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post("/api/v1/signups", json=signup_body())
    send_due_now(runtime)
    assert client.post(confirm_path(smtp_sink.to(ANA)[-1])).status_code == 200
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, hours=1))
    page = client.get(_preferences(runtime)).text
    assert "has expired without an answer" in page
    assert "Invite again" in page
    assert NEUTRAL in _invite(client, runtime)
    assert _invitations_sent(runtime) == 2
    assert partner(runtime, BEN).created_at == clock.now()  # the old invitation is gone
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, hours=1))
    assert NEUTRAL in _invite(client, runtime)
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, hours=1))
    answer = _invite(client, runtime)
    assert "three invitations" in answer
    assert _invitations_sent(runtime) == 3


def test_a_pending_invitation_cannot_be_doubled(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    _invite(client, runtime)
    assert "invitation already" in _invite(client, runtime, CAROL, "Carol")
    assert _invitations_sent(runtime) == 1


def test_an_address_that_refused_invitations_gets_nothing_and_the_answer_is_the_same(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post("/api/v1/signups", json=signup_body())
    send_due_now(runtime)
    assert client.post(confirm_path(smtp_sink.to(ANA)[-1])).status_code == 200
    refuse = next(path_of(u) for u in links(smtp_sink.to(BEN)[-1]) if "/no-invitations/" in u)
    assert client.post(refuse).status_code == 200
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, hours=1))
    before = len(smtp_sink.to(BEN))
    assert NEUTRAL in _invite(client, runtime)
    send_due_now(runtime)
    assert len(smtp_sink.to(BEN)) == before
    # Ana sees a pending invitation, as for any address, and her emails read the same.
    assert "waiting for an answer" in client.get(_preferences(runtime)).text
    with runtime.read_session() as session:
        ana = partner(runtime, ANA)
        seen = audience_in(session, ana, None, clock.now(),
                           timedelta(days=runtime.settings.confirm_token_days))
    assert seen == Audience("inviter", "invited")


def test_an_invitation_to_a_bad_address_is_refused_with_a_clear_message(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    response = client.post(_preferences(runtime), data={
        "action": "invite", "partner_email": "not an address", "partner_first_name": "Ben"})
    assert response.status_code == 422
    assert 'id="partner_email-error"' in response.text
    assert _invitations_sent(runtime) == 0


def test_the_invited_partner_is_told_before_joining_that_the_inviter_will_see_it(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json=signup_body())
    send_due_now(runtime)
    page = client.get(confirm_path(smtp_sink.to(BEN)[-1])).text
    assert "If you join, Ana will see that you joined." in page


def test_the_inviters_journey_shows_the_invitation_status(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post("/api/v1/signups", json=signup_body())
    send_due_now(runtime)
    assert client.post(confirm_path(smtp_sink.to(ANA)[-1])).status_code == 200
    token = preferences_token(runtime, partner(runtime, ANA))
    assert "waiting for an answer" in client.get(f"/journey/{token}").text
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, hours=1))
    page = client.get(f"/journey/{token}").text
    assert "has expired without an answer" in page
    assert "Only you can see your answers." in page


def test_the_invitation_says_what_the_program_is_who_invited_and_that_ignoring_is_fine(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json=signup_body())
    send_due_now(runtime)
    invitation = smtp_sink.to(BEN)[-1]
    text = " ".join(invitation.text.split())  # the text part is wrapped
    assert "Ana invited you to join them in Reconnect" in text
    assert "for couples" in text
    assert "simply ignore this email" in text
    assert ANA not in text  # the first name only
    assert any("/no-invitations/" in u for u in links(invitation))


def test_inviting_your_own_address_is_explained_beside_the_field(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    response = client.post(_preferences(runtime), data={
        "action": "invite", "partner_email": ANA, "partner_first_name": "Ben"})
    assert response.status_code == 422
    assert "must be different from yours" in response.text
    assert _invitations_sent(runtime) == 0
