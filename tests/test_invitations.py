"""Invitations: nothing a stranger typed goes into the subject, and every invitation
carries "never invite me again", which works by page or one click and lasts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.models import InviteBlock
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.flows import ANA, BEN, partner, row_counts, send_due_now, signup_body
from tests.support.links import links, path_of
from tests.support.smtp import Received, SmtpSink

CY = "cy@example.org"


def _invitation(client: TestClient, runtime: Runtime, sink: SmtpSink,
                **overrides: str) -> Received:
    assert client.post("/api/v1/signups", json=signup_body(**overrides)).status_code == 202
    send_due_now(runtime)
    return sink.to(overrides.get("partner_email", BEN))[-1]


def _never_again(message: Received) -> str:
    return next(path_of(u) for u in links(message) if "/no-invitations/" in u)


def test_an_invitations_subject_carries_nothing_anyone_typed(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    invitation = _invitation(client, runtime, smtp_sink, first_name="Clementine")
    assert invitation.subject == "An invitation to Reconnect"
    assert "Clementine" in invitation.text  # who invited them, in the body only


def test_every_invitation_offers_never_invite_me_again_in_body_and_headers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    invitation = _invitation(client, runtime, smtp_sink)
    link = _never_again(invitation)
    assert path_of(str(invitation.message["List-Unsubscribe"]).strip("<>")) == link
    assert invitation.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Never invite me" in invitation.html


def test_the_own_confirmation_email_has_no_such_link(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _invitation(client, runtime, smtp_sink)
    assert "/no-invitations/" not in smtp_sink.to(ANA)[-1].text


def test_opening_the_link_changes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    link = _never_again(_invitation(client, runtime, smtp_sink))
    before = row_counts(runtime)
    page = client.get(link)
    assert page.status_code == 200
    assert "Never invite me again" in page.text
    assert row_counts(runtime) == before


def test_saying_never_again_withdraws_the_waiting_invitation(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    link = _never_again(_invitation(client, runtime, smtp_sink))
    assert client.post(link).status_code == 200
    with pytest.raises(Exception, match="No row"):
        partner(runtime, BEN)
    assert partner(runtime, ANA).email == ANA  # the inviter's own signup stands


def test_after_never_again_no_one_can_invite_the_address(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post(_never_again(_invitation(client, runtime, smtp_sink)))
    before = len(smtp_sink.to(BEN))
    response = client.post("/api/v1/signups", json=signup_body(email=CY, first_name="Cy"))
    assert response.status_code == 202  # the same answer as any signup
    send_due_now(runtime)
    assert len(smtp_sink.to(BEN)) == before
    assert len(smtp_sink.to(CY)) == 1
    with pytest.raises(Exception, match="No row"):
        partner(runtime, BEN)


def test_one_click_from_a_mail_provider_works_and_repeats_harmlessly(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    link = _never_again(_invitation(client, runtime, smtp_sink))
    for _ in range(2):
        response = client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    with runtime.read_session() as session:
        assert len(session.execute(select(InviteBlock)).scalars().all()) == 1


def test_the_address_is_kept_only_as_a_keyed_hash(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post(_never_again(_invitation(client, runtime, smtp_sink)))
    with runtime.read_session() as session:
        [block] = session.execute(select(InviteBlock)).scalars().all()
    assert BEN not in block.address_hash
    assert "ben" not in block.address_hash
    assert len(block.address_hash) == 64


def test_the_address_can_still_sign_up_itself(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post(_never_again(_invitation(client, runtime, smtp_sink)))
    own = signup_body(email=BEN, first_name="Ben", partner_email=None,
                      partner_first_name=None)
    assert client.post("/api/v1/signups", json=own).status_code == 202
    send_due_now(runtime)
    assert "confirm" in smtp_sink.to(BEN)[-1].subject.lower()
    assert partner(runtime, BEN).invited_by_id is None


def test_the_link_works_after_the_inviter_erased_everything(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    link = _never_again(_invitation(client, runtime, smtp_sink))
    with runtime.unit_of_work() as uow:
        from reconnect.partners.my_data import erase_partner

        erase_partner(uow, partner(runtime, ANA).id)
        erase_partner(uow, partner(runtime, BEN).id)
    assert client.post(link).status_code == 200
    client.post("/api/v1/signups", json=signup_body(email=CY, first_name="Cy"))
    with pytest.raises(Exception, match="No row"):
        partner(runtime, BEN)


def test_a_tampered_link_gets_the_link_problem_page(client: TestClient) -> None:
    assert client.get("/no-invitations/not.a-token").status_code == 400
    assert client.post("/no-invitations/not.a-token").status_code == 400


class TestAStrangersInvitations:
    @pytest.fixture
    def settings(self, base_settings: Settings) -> Settings:
        return base_settings.model_copy(update={"signup_limit_per_email": "3/hour",
                                                "invite_limit_per_email": "3/day"})

    def test_naming_someone_three_times_never_locks_them_out_of_signing_up(
            self, client: TestClient) -> None:
        for n in range(3):
            stranger = signup_body(email=f"stranger{n}@example.org", partner_email=BEN)
            assert client.post("/api/v1/signups", json=stranger).status_code == 202
        own = signup_body(email=BEN, first_name="Ben", partner_email=None,
                          partner_first_name=None)
        assert client.post("/api/v1/signups", json=own).status_code == 202

    def test_a_fourth_invitation_to_one_address_is_refused(self, client: TestClient) -> None:
        for n in range(3):
            client.post("/api/v1/signups", json=signup_body(email=f"s{n}@example.org"))
        fourth = client.post("/api/v1/signups", json=signup_body(email="s9@example.org"))
        assert fourth.status_code == 429
        assert int(fourth.headers["Retry-After"]) > 0
