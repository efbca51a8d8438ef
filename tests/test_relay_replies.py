"""A relay's refusal is kept as it said it (bounded, without addresses) and judged by its
enhanced status code: the recipient's problem counts toward suppression, the message's
fails that email alone, and the relay's own trouble is retried, never held against
anyone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.mail.replies import MAX_REPLY_CHARS, Blame, blame_of, readable
from reconnect.models import Delivery, DeliveryStatus
from reconnect.runtime import Runtime
from reconnect.sending import service
from tests.support.flows import ANA, partner, signup_body
from tests.support.smtp import SmtpSink

S = DeliveryStatus


@pytest.mark.parametrize(("reply", "blame"), [
    ("550 5.1.1 user unknown", Blame.RECIPIENT),
    ("552 5.2.2 mailbox full", Blame.RECIPIENT),
    ("552 5.3.4 message too big for system", Blame.MESSAGE),
    ("554 5.6.0 message content rejected", Blame.MESSAGE),
    ("554 5.7.1 client host blocked using a reputation list", Blame.RELAY),
    ("550 5.7.26 unauthenticated email from this domain is not accepted", Blame.RELAY),
    ("554 5.4.4 unable to route", Blame.RELAY),
    ("550 5.1.8 sender domain does not resolve", Blame.RELAY),
    ("550 no such mailbox", Blame.RECIPIENT),  # no enhanced code: where it came decides
])
def test_the_enhanced_status_code_says_whose_problem_it_is(reply: str, blame: Blame) -> None:
    assert blame_of(reply, Blame.RECIPIENT) is blame


def test_the_reply_is_kept_on_one_bounded_line_without_addresses() -> None:
    text = b"5.1.1 <ana.lovelace@example.org>: Recipient address rejected:\r\n" \
           b"  ana.lovelace is unknown here; ask postmaster@example.org " + b"x" * 400
    kept = readable(550, text, "ana.lovelace@example.org")
    assert kept.startswith("SMTP 550 5.1.1 ")
    assert "Recipient address rejected" in kept
    assert "@" not in kept
    assert "lovelace" not in kept
    assert "\n" not in kept
    assert len(kept) == MAX_REPLY_CHARS


def _first_confirmation(client: TestClient, runtime: Runtime) -> int:
    client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                    partner_first_name=None))
    with runtime.unit_of_work() as uow:
        [claimed] = DeliveryRepository(uow.session).claim_due(runtime.clock.now(), 10)
    return claimed


def _row(runtime: Runtime, delivery_id: int) -> Delivery:
    with runtime.read_session() as session:
        found = DeliveryRepository(session).get(delivery_id)
    assert found is not None
    return found


def test_a_refused_recipient_fails_with_the_relays_words_and_counts_against_the_address(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    delivery_id = _first_confirmation(client, runtime)
    smtp_sink.handler.refuse[ANA] = f"550 5.1.1 <{ANA}>: Recipient address rejected: " \
                                    "User unknown in virtual mailbox table"
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.FAILED
    row = _row(runtime, delivery_id)
    assert row.status is S.FAILED
    assert row.last_error == "recipient: SMTP 550 5.1.1 <address>: Recipient address " \
                             "rejected: User unknown in virtual mailbox table"
    assert row.failed_at == runtime.clock.now()
    assert partner(runtime, ANA).permanent_failures == 1


def test_a_refused_message_fails_alone_and_the_address_keeps_its_record(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    delivery_id = _first_confirmation(client, runtime)
    smtp_sink.handler.reply_override = "552 5.3.4 Message size exceeds fixed limit"
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.FAILED
    row = _row(runtime, delivery_id)
    assert row.last_error == "message: SMTP 552 5.3.4 Message size exceeds fixed limit"
    assert partner(runtime, ANA).permanent_failures == 0


def test_a_relay_refusing_us_is_retried_even_with_a_5xx_code(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    delivery_id = _first_confirmation(client, runtime)
    smtp_sink.handler.refuse[ANA] = "554 5.7.1 Service unavailable; client host blocked"
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.RETRY
    row = _row(runtime, delivery_id)
    assert row.status is S.SCHEDULED
    assert row.last_error == "relay: SMTP 554 5.7.1 Service unavailable; client host blocked"
    assert row.failed_at is None
    assert partner(runtime, ANA).permanent_failures == 0
    assert partner(runtime, ANA).suppressed_at is None
