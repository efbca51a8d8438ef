"""Postmark, Mailgun and SendGrid: each provider's documented payloads, each provider's
credential or signature checked, soft bounces counted per email, and webhooks that are
not configured, too large or malformed refused without writing anything."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reconnect.bounces import tags
from reconnect.clock import ManualClock
from reconnect.models import PartnerStatus
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from reconnect.signups.service import CONFIRMATION_GAP
from tests.bounces.conftest import MAILGUN_KEY, POSTMARK_TOKEN
from tests.support.bounces import SendgridSigner, mailgun_signed, sent_confirmation
from tests.support.flows import ANA, partner


def _basic(password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(
        f"postmark:{password}".encode()).decode()}


def _postmark_bounce(tag: str, kind: str = "HardBounce", record: str = "Bounce",
                     event_id: int = 4323372036854775807) -> dict[str, Any]:
    """Postmark's documented bounce webhook."""
    return {"RecordType": record, "MessageStream": "outbound", "ID": event_id,
            "Type": kind, "TypeCode": 1, "Name": "Hard bounce", "Tag": "",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "ServerID": 23,
            "Metadata": {"reconnect-tag": tag},
            "Description": "The server was unable to deliver your message (ex: unknown "
                           "user, mailbox not found).",
            "Details": "smtp;550 5.1.1 The email account that you tried to reach does not "
                       "exist.", "Email": "john@example.com", "From": "hello@reconnect.test",
            "BouncedAt": "2026-10-20T16:33:54.9070259Z", "DumpAvailable": True,
            "Inactive": True, "CanActivate": True, "Subject": "Please confirm"}


def _mailgun_failed(message_id: str, severity: str = "permanent",
                    event_id: str = "G9Bn5sl1TC6nu79C8C0bwg") -> dict[str, Any]:
    """Mailgun's documented permanent-failure event."""
    return {"event": "failed", "id": event_id, "timestamp": 1521233195.375624,
            "severity": severity, "reason": "bounce", "log-level": "error",
            "recipient": "alice@example.com", "recipient-domain": "example.com",
            "envelope": {"sender": "bounces@reconnect.test", "transport": "smtp"},
            "message": {"headers": {"to": "Alice <alice@example.com>",
                                    "message-id": message_id.strip("<>"),
                                    "from": "Reconnect <hello@reconnect.test>",
                                    "subject": "Please confirm"}, "size": 111},
            "delivery-status": {"attempt-no": 1, "code": 550, "enhanced-code": "5.1.1",
                                "message": "5.1.1 The email account that you tried to "
                                           "reach does not exist.",
                                "description": "", "session-seconds": 0.4}}


def test_a_postmark_hard_bounce_finds_its_email_by_the_metadata_tag(
        client: TestClient, runtime: Runtime, settings: Settings) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    tag = tags.tag_for(settings.secret_key, sent.id)
    answer = client.post("/api/v1/webhooks/postmark", json=_postmark_bounce(tag),
                         headers=_basic(POSTMARK_TOKEN))
    assert (answer.status_code, answer.json()["applied"]) == (200, 1)
    assert partner(runtime, ANA).suppressed_reason == "hard bounce 5.1.1 through postmark"


def test_a_postmark_spam_complaint_unsubscribes(client: TestClient, runtime: Runtime,
                                                settings: Settings) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    tag = tags.tag_for(settings.secret_key, sent.id)
    complaint = _postmark_bounce(tag, kind="SpamComplaint", record="SpamComplaint")
    assert client.post("/api/v1/webhooks/postmark", json=complaint,
                       headers=_basic(POSTMARK_TOKEN)).status_code == 200
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


@pytest.mark.parametrize("headers", [{}, _basic("wrong-token-of-some-length"),
                                     {"Authorization": "Basic !!!"}])
def test_postmark_without_the_webhooks_credentials_is_refused(
        client: TestClient, runtime: Runtime, settings: Settings,
        headers: dict[str, str]) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    tag = tags.tag_for(settings.secret_key, sent.id)
    answer = client.post("/api/v1/webhooks/postmark", json=_postmark_bounce(tag),
                         headers=headers)
    assert answer.status_code == 401
    assert partner(runtime, ANA).suppressed_at is None


def test_a_made_up_tag_matches_nothing(client: TestClient, runtime: Runtime) -> None:
    sent_confirmation(client, runtime, ANA)
    answer = client.post("/api/v1/webhooks/postmark", json=_postmark_bounce("a" * 26),
                         headers=_basic(POSTMARK_TOKEN))
    assert answer.json()["unmatched"] == 1
    assert partner(runtime, ANA).suppressed_at is None


def test_a_mailgun_permanent_failure_suppresses(client: TestClient, runtime: Runtime) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    body = mailgun_signed(_mailgun_failed(sent.message_id), MAILGUN_KEY, runtime.clock.now())
    answer = client.post("/api/v1/webhooks/mailgun", json=body)
    assert (answer.status_code, answer.json()["applied"]) == (200, 1)
    assert partner(runtime, ANA).suppressed_reason == "hard bounce 5.1.1 through mailgun"


def test_soft_bounces_of_one_email_count_once_and_of_two_emails_suppress(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    first = sent_confirmation(client, runtime, ANA)
    clock.advance(CONFIRMATION_GAP)
    second = sent_confirmation(client, runtime, ANA)  # signing up again: a new email
    assert first.id != second.id
    for number, email in enumerate((first, first, second)):
        assert email.message_id is not None
        event = _mailgun_failed(email.message_id, severity="temporary",
                                event_id=f"soft-{number}")
        client.post("/api/v1/webhooks/mailgun",
                    json=mailgun_signed(event, MAILGUN_KEY, runtime.clock.now()))
        suppressed = partner(runtime, ANA).suppressed_at is not None
        assert suppressed is (number == 2), number
    assert partner(runtime, ANA).suppressed_reason == \
        "2 emails soft-bounced within 30 days (last 5.1.1 through mailgun)"


@pytest.mark.parametrize("problem", ["wrong key", "stale"])
def test_mailgun_signatures_must_be_right_and_recent(
        client: TestClient, runtime: Runtime, problem: str) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    when = runtime.clock.now() - (timedelta(days=2) if problem == "stale" else timedelta())
    key = "not-the-key" if problem == "wrong key" else MAILGUN_KEY
    answer = client.post("/api/v1/webhooks/mailgun",
                         json=mailgun_signed(_mailgun_failed(sent.message_id), key, when))
    assert answer.status_code == 401
    assert partner(runtime, ANA).suppressed_at is None


def _sendgrid_events(message_id: str) -> list[dict[str, Any]]:
    """SendGrid's documented event webhook batch: a deferral, a bounce, a spam report."""
    common = {"email": "example@test.com", "timestamp": 1513299569,
              "smtp-id": message_id, "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001"}
    return [
        {**common, "event": "deferred", "response": "400 try again later", "attempt": "5",
         "sg_event_id": "sg-deferred-1"},
        {**common, "event": "bounce", "type": "bounce", "status": "5.0.0",
         "reason": "500 unknown recipient", "sg_event_id": "sg-bounce-1"},
    ]


def test_a_sendgrid_batch_acts_on_its_bounce_and_ignores_a_deferral(
        client: TestClient, runtime: Runtime, sendgrid_signer: SendgridSigner) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    body = json.dumps(_sendgrid_events(sent.message_id)).encode()
    answer = client.post("/api/v1/webhooks/sendgrid", content=body,
                         headers=sendgrid_signer.headers(body, runtime.clock.now()))
    assert answer.json() == {"received": 1, "applied": 1, "duplicate": 0, "unmatched": 0}
    assert partner(runtime, ANA).suppressed_reason == "hard bounce 5.0.0 through sendgrid"


def test_a_sendgrid_spam_report_unsubscribes(client: TestClient, runtime: Runtime,
                                             sendgrid_signer: SendgridSigner) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    body = json.dumps([{"email": "example@test.com", "timestamp": 1513299569,
                        "smtp-id": sent.message_id, "event": "spamreport",
                        "sg_event_id": "sg-spam-1"}]).encode()
    client.post("/api/v1/webhooks/sendgrid", content=body,
                headers=sendgrid_signer.headers(body, runtime.clock.now()))
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_a_sendgrid_body_changed_after_signing_is_refused(
        client: TestClient, runtime: Runtime, sendgrid_signer: SendgridSigner) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    signed = json.dumps(_sendgrid_events("<other@reconnect.test>")).encode()
    headers = sendgrid_signer.headers(signed, runtime.clock.now())
    body = json.dumps(_sendgrid_events(sent.message_id)).encode()
    assert client.post("/api/v1/webhooks/sendgrid", content=body,
                       headers=headers).status_code == 401
    assert partner(runtime, ANA).suppressed_at is None


def test_a_body_over_the_cap_is_refused_before_it_is_read(client: TestClient) -> None:
    answer = client.post("/api/v1/webhooks/mailgun", content=b"{" + b" " * 70_000 + b"}")
    assert (answer.status_code, answer.json()["error"]) == (413, "body_too_large")


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"signature": "x"}'])
def test_a_body_that_is_not_the_providers_is_refused(client: TestClient, body: bytes) -> None:
    assert client.post("/api/v1/webhooks/mailgun", content=body).status_code in (400, 401)
