"""The delivery state machine: claimed once, sent once, retried or failed with a reason."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus
from reconnect.runtime import Runtime
from reconnect.sending import service
from reconnect.sending.compose import message_id
from tests.support.flows import ANA, deliver_due, deliveries, sign_up_and_confirm, signup_body
from tests.support.smtp import SmtpSink

S = DeliveryStatus


def _single_signup(client: TestClient) -> None:
    client.post("/api/v1/signups", json=signup_body(partner_email=None, partner_first_name=None))


def _claim_one(runtime: Runtime) -> int:
    with runtime.unit_of_work() as uow:
        [claimed] = DeliveryRepository(uow.session).claim_due(runtime.clock.now(), 10)
    return claimed


def _get(runtime: Runtime, delivery_id: int) -> Delivery:
    with runtime.read_session() as session:
        found = DeliveryRepository(session).get(delivery_id)
        assert found is not None
        return found


def test_only_due_rows_are_claimed(client: TestClient, runtime: Runtime,
                                   clock: ManualClock) -> None:
    _single_signup(client)
    with runtime.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        [pending] = deliveries(runtime, ANA)
        repo.transition(pending.id, S.SCHEDULED, S.SCHEDULED,
                        due_at=clock.now() + timedelta(hours=1))
    with runtime.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(clock.now(), 10) == []
    clock.advance(timedelta(hours=1))
    with runtime.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(clock.now(), 10) == [pending.id]


def test_racing_dispatchers_never_claim_the_same_row(client: TestClient,
                                                     runtime: Runtime) -> None:
    for i in range(40):
        client.post("/api/v1/signups", json=signup_body(
            email=f"p{i}@example.org", partner_email=None, partner_first_name=None))
    results: list[list[int]] = []
    lock = threading.Lock()

    def claim() -> None:
        with runtime.unit_of_work() as uow:
            ids = DeliveryRepository(uow.session).claim_due(runtime.clock.now(), 15)
        with lock:
            results.append(ids)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [i for ids in results for i in ids]
    assert len(claimed) == len(set(claimed)) == 40


def test_a_delivery_run_twice_is_sent_once(client: TestClient, runtime: Runtime,
                                           smtp_sink: SmtpSink) -> None:
    _single_signup(client)
    delivery_id = _claim_one(runtime)
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.SENT
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.SKIPPED
    assert len(smtp_sink.messages) == 1
    assert _get(runtime, delivery_id).status is S.SENT


def test_a_message_id_reveals_no_count_of_emails_or_people(runtime: Runtime) -> None:
    first, second = (message_id(runtime, Delivery(id=n, key="_confirm-1")) for n in (1, 2))
    assert first != second
    for text in (first, second):
        local = text.strip("<>").split("@")[0]
        assert re.fullmatch(r"[a-z2-7]{24}", local)
        assert "confirm" not in text


def test_a_sent_email_carries_a_deterministic_message_id_and_both_parts(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _single_signup(client)
    delivery_id = _claim_one(runtime)
    service.deliver_one(runtime, delivery_id)
    [message] = smtp_sink.messages
    delivery = _get(runtime, delivery_id)
    assert message.message["Message-ID"] == message_id(runtime, delivery)
    assert delivery.message_id == message.message["Message-ID"]
    assert message.message["From"].addresses[0].addr_spec == "hello@reconnect.test"
    assert message.text.strip()
    assert "<html" in message.html


def test_a_temporary_smtp_refusal_is_retried_later(client: TestClient, runtime: Runtime,
                                                   smtp_sink: SmtpSink,
                                                   clock: ManualClock) -> None:
    _single_signup(client)
    delivery_id = _claim_one(runtime)
    smtp_sink.handler.reply_override = "451 4.3.0 try again later"
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.RETRY
    retry = _get(runtime, delivery_id)
    assert retry.status is S.SCHEDULED
    assert retry.due_at > clock.now()
    assert retry.attempts == 1
    assert retry.last_error
    assert "451" in retry.last_error
    smtp_sink.handler.reply_override = None
    clock.set(retry.due_at)
    assert service.deliver_one(runtime, _claim_one(runtime)) is service.Outcome.SENT


def test_a_permanent_smtp_refusal_fails_with_its_reason(client: TestClient, runtime: Runtime,
                                                        smtp_sink: SmtpSink) -> None:
    _single_signup(client)
    delivery_id = _claim_one(runtime)
    smtp_sink.handler.reply_override = "550 5.1.1 no such user"
    assert service.deliver_one(runtime, delivery_id) is service.Outcome.FAILED
    failed = _get(runtime, delivery_id)
    assert failed.status is S.FAILED
    assert failed.last_error
    assert "550" in failed.last_error


def test_an_smtp_server_that_is_down_means_retry_not_loss(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _single_signup(client)
    delivery_id = _claim_one(runtime)
    unreachable = runtime.settings.model_copy(update={"smtp_port": 1})
    runtime.mailer.settings = unreachable
    try:
        assert service.deliver_one(runtime, delivery_id) is service.Outcome.RETRY
    finally:
        runtime.mailer.settings = runtime.settings
    assert _get(runtime, delivery_id).status is S.SCHEDULED


def test_the_reaper_returns_claims_abandoned_by_a_dead_worker(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    _single_signup(client)
    delivery_id = _claim_one(runtime)
    assert service.reap_stale(runtime) == 0
    clock.advance(timedelta(seconds=runtime.settings.claim_timeout_seconds + 1))
    assert service.reap_stale(runtime) == 1
    assert _get(runtime, delivery_id).status is S.SCHEDULED
    assert _claim_one(runtime) == delivery_id


@pytest.mark.usefixtures("worker")
def test_sending_a_stage_schedules_the_next_one_a_week_later_at_the_send_hour(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    sign_up_and_confirm(client, runtime, smtp_sink, partner_email=None,
                        partner_first_name=None)
    [welcome] = [d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE]
    clock.set(welcome.due_at)
    deliver_due(runtime, smtp_sink, 1)
    stages = {d.key: d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE}
    assert stages["welcome"].status is S.SENT
    assert stages["acknowledge"].status is S.SCHEDULED
    assert stages["acknowledge"].due_at - welcome.due_at == timedelta(days=7)


@pytest.mark.usefixtures("worker")
def test_after_a_long_gap_missed_stages_arrive_one_per_day(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    sign_up_and_confirm(client, runtime, smtp_sink, partner_email=None,
                        partner_first_name=None)
    clock.advance(timedelta(days=40))
    deliver_due(runtime, smtp_sink, 1)
    deliver_due(runtime, smtp_sink, 0)
    stages = {d.key: d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE}
    assert stages["welcome"].status is S.SENT
    assert stages["acknowledge"].status is S.SCHEDULED
    assert timedelta(0) < stages["acknowledge"].due_at - clock.now() <= timedelta(days=1)


def test_the_beat_schedule_ticks_the_dispatcher_every_few_seconds(runtime: Runtime) -> None:
    from tasks.celery_app import make_celery

    schedule = make_celery(runtime.settings).conf.beat_schedule
    assert schedule["dispatch-due"]["task"] == "reconnect.dispatch_due"
    assert schedule["dispatch-due"]["schedule"] <= 10
    assert schedule["reap-stale"]["task"] == "reconnect.reap_stale"


@pytest.mark.usefixtures("worker")
def test_a_backlog_larger_than_one_claim_drains_from_a_single_tick(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    runtime.settings = runtime.settings.model_copy(update={"dispatch_batch_size": 4})
    for i in range(7):
        client.post("/api/v1/signups", json=signup_body(
            email=f"a{i}@example.org", partner_email=f"b{i}@example.org"))
    assert len(service.dispatch_due(runtime)) == 4
    smtp_sink.wait_count(14)
