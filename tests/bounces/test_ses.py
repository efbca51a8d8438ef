"""Amazon SES through SNS: only our topics, only messages SNS signed (with a certificate
from an allowed host), subscriptions confirmed once verified; hard bounces suppress,
complaints unsubscribe and suppress."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reconnect.clock import ManualClock
from reconnect.models import Bounce, PartnerStatus
from reconnect.partners.my_data import erase_partner
from reconnect.runtime import Runtime
from tests.support.bounces import (
    TOPIC,
    CertificateServer,
    sent_confirmation,
    ses_bounce,
    ses_complaint,
    ses_notification,
)
from tests.support.flows import ANA, BEN, partner

URL = "/api/v1/webhooks/ses"


def _post(client: TestClient, message: dict[str, str]) -> tuple[int, dict[str, object]]:
    answer = client.post(URL, content=json.dumps(message),
                         headers={"Content-Type": "text/plain; charset=UTF-8",
                                  "x-amz-sns-message-type": message["Type"]})
    return answer.status_code, answer.json()


def _bounces(rt: Runtime) -> int:
    with rt.read_session() as session:
        return int(session.execute(select(func.count()).select_from(Bounce)).scalar_one())


def test_a_hard_bounce_suppresses_the_address_with_its_reason(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    status, body = _post(client, certificates.sign(
        ses_notification(ses_bounce(sent.message_id))))
    assert (status, body["applied"]) == (200, 1)
    ana = partner(runtime, ANA)
    assert ana.suppressed_at == runtime.clock.now()
    assert ana.suppressed_reason == "hard bounce 5.1.1 through ses"
    assert ana.status is PartnerStatus.PENDING  # a bounce is not an unsubscribe


def test_signature_version_2_is_checked_too(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    status, _ = _post(client, certificates.sign(
        ses_notification(ses_bounce(sent.message_id)), version="2"))
    assert status == 200
    assert partner(runtime, ANA).suppressed_at is not None


def test_a_complaint_unsubscribes_and_suppresses_and_leaves_the_other_partner_alone(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    ben_sent = sent_confirmation(client, runtime, BEN)
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    status, _ = _post(client, certificates.sign(
        ses_notification(ses_complaint(sent.message_id))))
    assert status == 200
    ana = partner(runtime, ANA)
    assert ana.status is PartnerStatus.UNSUBSCRIBED
    assert ana.suppressed_reason == "complaint through ses: marked as spam"
    assert partner(runtime, BEN).suppressed_at is None
    assert ben_sent.message_id != sent.message_id


def test_a_not_spam_feedback_changes_nothing(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    status, body = _post(client, certificates.sign(
        ses_notification(ses_complaint(sent.message_id, feedback="not-spam"))))
    assert (status, body["received"]) == (200, 0)
    assert partner(runtime, ANA).status is PartnerStatus.PENDING


def test_a_tampered_message_is_refused_and_nothing_is_recorded(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    signed = certificates.sign(ses_notification(ses_bounce("<someone-else@reconnect.test>")))
    signed["Message"] = json.dumps(ses_bounce(sent.message_id))
    status, body = _post(client, signed)
    assert (status, body["error"]) == (401, "bad_signature")
    assert partner(runtime, ANA).suppressed_at is None
    assert _bounces(runtime) == 0


def test_a_certificate_from_a_host_not_allowed_is_never_fetched(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    before = len(certificates.visits)
    signed = certificates.sign(ses_notification(ses_bounce("<x@reconnect.test>")),
                               cert_url="https://attacker.example/cert.pem")
    status, body = _post(client, signed)
    assert (status, body["error"]) == (401, "bad_signature")
    assert len(certificates.visits) == before


def test_a_topic_that_is_not_ours_is_refused(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    notification = ses_notification(ses_bounce("<x@reconnect.test>"))
    notification["TopicArn"] = TOPIC.replace("reconnect-bounces", "someone-elses")
    status, body = _post(client, certificates.sign(notification))
    assert (status, body["error"]) == (403, "unknown_topic")


def test_a_verified_subscription_is_confirmed_and_a_forged_one_is_not(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    confirmation = {"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c",
                    "Token": "2336412f37fb687f5d51e6e241d0", "TopicArn": TOPIC,
                    "Message": "You have chosen to subscribe to the topic.",
                    "SubscribeURL": f"{certificates.base}/?Action=ConfirmSubscription",
                    "Timestamp": "2026-10-20T10:00:00.000Z"}
    forged = certificates.sign(confirmation)
    forged["SubscribeURL"] += "&TopicArn=other"
    assert _post(client, forged)[0] == 401
    assert not any("ConfirmSubscription" in visit for visit in certificates.visits)
    assert _post(client, certificates.sign(confirmation))[0] == 200
    assert any("ConfirmSubscription" in visit for visit in certificates.visits)


def test_the_same_notification_twice_is_recorded_once(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    signed = certificates.sign(ses_notification(ses_bounce(sent.message_id)))
    results: list[tuple[int, dict[str, object]]] = []
    threads = [threading.Thread(target=lambda: results.append(_post(client, signed)))
               for _ in range(2)]  # SNS delivers at least once: two copies at one moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((r[1]["applied"], r[1]["duplicate"]) for r in results) == [(0, 1), (1, 0)]
    assert _bounces(runtime) == 1


def test_a_bounce_for_an_erased_partner_never_reaches_the_stranger_with_that_address(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    with runtime.unit_of_work() as uow:
        erase_partner(uow, partner(runtime, ANA).id)
    sent_confirmation(client, runtime, ANA)  # a stranger signs up with the address
    status, body = _post(client, certificates.sign(
        ses_notification(ses_bounce(sent.message_id))))
    assert (status, body["unmatched"]) == (200, 1)
    assert partner(runtime, ANA).suppressed_at is None
    assert _bounces(runtime) == 0


def test_a_complaint_months_later_still_unsubscribes(
        client: TestClient, runtime: Runtime, certificates: CertificateServer,
        clock: ManualClock) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    clock.advance(timedelta(days=200))  # the reader cleans out an old folder
    status, body = _post(client, certificates.sign(
        ses_notification(ses_complaint(sent.message_id), message_id="late-1")))
    assert (status, body["applied"]) == (200, 1)
    ana = partner(runtime, ANA)
    assert ana.status is PartnerStatus.UNSUBSCRIBED
    assert ana.unsubscribed_at == clock.now()


def test_a_bounce_report_never_shows_the_address_it_quotes(
        client: TestClient, runtime: Runtime, certificates: CertificateServer) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    _post(client, certificates.sign(ses_notification(ses_bounce(sent.message_id))))
    with runtime.read_session() as session:
        [bounce] = session.execute(select(Bounce)).scalars()
    assert bounce.detail == "smtp; 550 5.1.1 <address>... User unknown"
    assert (bounce.kind.value, bounce.status, bounce.source) == ("hard", "5.1.1", "ses")
