"""An address the receiving server keeps refusing for good gets no more mail."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime
from reconnect.sending.service import deliver
from tests.support.flows import ANA, BEN, deliveries, enrol, partner, send_due_now
from tests.support.smtp import SmtpSink

S = DeliveryStatus
REFUSED = "550 5.1.1 mailbox unavailable"


def _next_stage_goes_out(runtime: Runtime, clock: ManualClock) -> None:
    clock.advance(timedelta(days=7))
    send_due_now(runtime)


def test_one_permanent_refusal_fails_that_email_but_keeps_the_program_going(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    smtp_sink.handler.reply_override = REFUSED
    _next_stage_goes_out(runtime, clock)
    stages = {d.key: d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE}
    assert stages["welcome"].status is S.FAILED
    assert stages["welcome"].attempts == 1
    assert stages["acknowledge"].status is S.SCHEDULED
    assert partner(runtime, ANA).suppressed_at is None


def test_repeated_permanent_refusals_suppress_the_address(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    smtp_sink.handler.reply_override = REFUSED
    _next_stage_goes_out(runtime, clock)
    _next_stage_goes_out(runtime, clock)
    assert partner(runtime, ANA).suppressed_at == clock.now()
    waiting = [d for d in deliveries(runtime, ANA) if d.status is S.SCHEDULED]
    assert waiting == []


def test_a_suppressed_address_is_never_tried_again(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    smtp_sink.handler.reply_override = REFUSED
    _next_stage_goes_out(runtime, clock)
    _next_stage_goes_out(runtime, clock)
    smtp_sink.handler.reply_override = None
    before = len(smtp_sink.messages)
    for _ in range(10):
        _next_stage_goes_out(runtime, clock)
    assert len(smtp_sink.messages) == before


def test_a_successful_send_resets_the_count_of_refusals(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    smtp_sink.handler.reply_override = REFUSED
    _next_stage_goes_out(runtime, clock)
    smtp_sink.handler.reply_override = None
    _next_stage_goes_out(runtime, clock)
    assert partner(runtime, ANA).permanent_failures == 0
    smtp_sink.handler.reply_override = REFUSED
    _next_stage_goes_out(runtime, clock)
    assert partner(runtime, ANA).suppressed_at is None


def test_suppressing_one_address_leaves_the_other_partner_untouched(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    enrol(client, runtime, smtp_sink, email=BEN)
    smtp_sink.handler.refuse[ANA] = REFUSED
    before = len(smtp_sink.messages)
    _next_stage_goes_out(runtime, clock)
    _next_stage_goes_out(runtime, clock)
    assert partner(runtime, ANA).suppressed_at is not None
    assert partner(runtime, BEN).suppressed_at is None
    assert [m.rcpt for m in smtp_sink.messages[before:]] == [(BEN,), (BEN,)]


def test_an_email_already_claimed_when_its_address_is_suppressed_is_cancelled(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    ana = enrol(client, runtime, smtp_sink)
    clock.advance(timedelta(days=7))
    with runtime.unit_of_work() as uow:
        claimed = DeliveryRepository(uow.session).claim_due(clock.now(), 10)
        found = PartnerRepository(uow.session).get(ana.id)
        assert found is not None
        found.suppressed_at = clock.now()  # e.g. by an operator, while the row was queued
    before = len(smtp_sink.messages)
    assert [o.value for o in deliver(runtime, claimed).values()] == ["cancelled"]
    assert len(smtp_sink.messages) == before
