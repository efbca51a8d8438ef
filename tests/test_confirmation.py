"""Double opt-in: GET shows, POST confirms; tokens are single-use and bound to one purpose."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import DeliveryKind, DeliveryStatus, PartnerStatus
from reconnect.runtime import Runtime
from reconnect.sending.service import dispatch_due
from reconnect.signups.service import CONFIRMATION_GAP
from tests.support.flows import ANA, BEN, deliver_due, deliveries, partner, signup_body
from tests.support.links import confirm_path
from tests.support.smtp import Received, SmtpSink
from tests.support.wait import wait_until

pytestmark = pytest.mark.usefixtures("worker")


def _confirmations(client: TestClient, runtime: Runtime, sink: SmtpSink) -> dict[str, Received]:
    before = len(sink.messages)
    client.post("/api/v1/signups", json=signup_body())
    # Counted from before the signup: the worker processes it and may have sent both
    # confirmations by the time the test looks.
    return {m.to: m for m in deliver_due(runtime, sink, 2, since=before)}


def test_opening_the_link_shows_a_page_and_changes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    page = client.get(confirm_path(mail[ANA]))
    assert page.status_code == 200
    assert "<form" in page.text
    assert "Ana" in page.text
    assert partner(runtime, ANA).status is PartnerStatus.PENDING


def test_posting_the_link_enrolls_and_schedules_the_first_stage_at_the_send_hour(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    assert client.post(confirm_path(mail[ANA])).status_code == 200
    enrolled = partner(runtime, ANA)
    assert enrolled.status is PartnerStatus.ACTIVE
    stages = [d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE]
    assert [d.key for d in stages] == ["welcome"]
    local = stages[0].due_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (7, 0)
    assert stages[0].due_at > runtime.clock.now()


def test_the_invited_partner_is_not_enrolled_until_they_confirm(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    client.post(confirm_path(mail[ANA]))
    assert partner(runtime, BEN).status is PartnerStatus.PENDING
    assert not [d for d in deliveries(runtime, BEN) if d.kind is DeliveryKind.STAGE]


def test_the_invitation_page_names_who_invited_them(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    assert "Ana invited you" in client.get(confirm_path(mail[BEN])).text


def test_a_confirmer_can_choose_their_own_zone_and_hour(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    client.post(confirm_path(mail[BEN]), data={"timezone": "Asia/Tokyo", "send_hour": "21"})
    ben = partner(runtime, BEN)
    assert (ben.timezone, ben.send_hour) == ("Asia/Tokyo", 21)


def test_a_used_link_gets_a_friendly_page(client: TestClient, runtime: Runtime,
                                          smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    client.post(confirm_path(mail[ANA]))
    again = client.post(confirm_path(mail[ANA]))
    assert again.status_code == 410
    assert "already been used" in again.text
    assert "Traceback" not in again.text
    assert len([d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE]) == 1


def test_a_tampered_link_gets_a_friendly_page(client: TestClient, runtime: Runtime,
                                              smtp_sink: SmtpSink) -> None:
    path = confirm_path(_confirmations(client, runtime, smtp_sink)[ANA])
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 400
        assert "does not work" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.PENDING


def test_an_expired_link_says_how_to_get_a_new_one(client: TestClient, runtime: Runtime,
                                                   smtp_sink: SmtpSink,
                                                   clock: ManualClock) -> None:
    path = confirm_path(_confirmations(client, runtime, smtp_sink)[ANA])
    clock.advance(timedelta(days=runtime.settings.confirm_token_days, minutes=1))
    response = client.post(path)
    assert response.status_code == 410
    assert "expired" in response.text
    assert "sign up again" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.PENDING


def test_a_confirmation_token_cannot_be_used_to_unsubscribe(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    token = confirm_path(_confirmations(client, runtime, smtp_sink)[ANA]).split("/")[-1]
    assert client.post(f"/unsubscribe/{token}").status_code == 400
    assert partner(runtime, ANA).status is PartnerStatus.PENDING


def test_signing_up_again_before_confirming_sends_a_fresh_email_that_works(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _confirmations(client, runtime, smtp_sink)
    clock.advance(CONFIRMATION_GAP)
    before = len(smtp_sink.messages)
    client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                    partner_first_name=None))
    resent = deliver_due(runtime, smtp_sink, 1, since=before)[0]
    assert resent.to == ANA
    assert client.post(confirm_path(resent)).status_code == 200


def test_signing_up_again_at_once_sends_no_second_email(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _confirmations(client, runtime, smtp_sink)
    for _ in range(3):  # a double click, then an impatient third try
        client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                        partner_first_name=None))
    dispatch_due(runtime)
    assert [d.key for d in deliveries(runtime, ANA)] == ["_confirm-1"]


def test_a_confirmation_still_queued_when_the_partner_confirms_is_never_sent(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    mail = _confirmations(client, runtime, smtp_sink)
    client.post(confirm_path(mail[ANA]))
    ana = partner(runtime, ANA)
    with runtime.unit_of_work() as uow:
        late = DeliveryRepository(uow.session).add(
            ana.id, DeliveryKind.CONFIRMATION, "_confirm-9", -1, runtime.clock.now(),
            runtime.clock.now())
    dispatch_due(runtime)
    wait_until(lambda: _status(runtime, late.id) is not DeliveryStatus.CLAIMED)
    assert _status(runtime, late.id) is DeliveryStatus.CANCELLED
    assert len(smtp_sink.to(ANA)) == 1


def _status(runtime: Runtime, delivery_id: int) -> DeliveryStatus:
    with runtime.read_session() as session:
        found = DeliveryRepository(session).get(delivery_id)
        assert found is not None
        return found.status


def test_a_tampered_confirm_form_gets_a_page_not_json(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    path = confirm_path(_confirmations(client, runtime, smtp_sink)[ANA])
    response = client.post(path, data={"send_hour": "99"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "send_hour" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.PENDING
