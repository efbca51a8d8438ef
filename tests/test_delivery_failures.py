"""Failures inside a batch stay with the email they belong to."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.mail.smtp import MailError, SmtpMailer
from reconnect.models import Delivery, DeliveryStatus, Partner
from reconnect.runtime import Runtime
from reconnect.sending import service
from reconnect.sending.batch import ClaimKeeper, prepare
from reconnect.sending.outcomes import Outcome, record_sent
from reconnect.settings import Settings
from tests.support.flows import deliveries, send_due_now, signup_body
from tests.support.smtp import SmtpSink, free_port

S = DeliveryStatus


def _sign_up(client: TestClient, *emails: str) -> None:
    for email in emails:
        client.post("/api/v1/signups", json=signup_body(email=email, partner_email=None,
                                                        partner_first_name=None))


def _claim_all(runtime: Runtime) -> list[int]:
    with runtime.unit_of_work() as uow:
        return DeliveryRepository(uow.session).claim_due(runtime.clock.now(), 100)


def test_an_email_that_cannot_be_built_fails_alone_and_the_batch_goes_on(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _sign_up(client, "ana@example.org", "cy@example.org")
    with runtime.unit_of_work() as uow:  # an address from before signups refused these
        uow.session.execute(update(Partner).where(Partner.email == "ana@example.org")
                            .values(email="anä@example.org"))
    outcomes = send_due_now(runtime)
    assert sorted(o.value for o in outcomes.values()) == ["failed", "sent"]
    [broken] = deliveries(runtime, "anä@example.org")
    assert broken.status is S.FAILED
    assert broken.last_error is not None
    assert "non-ASCII" in broken.last_error
    assert [m.to for m in smtp_sink.messages] == ["cy@example.org"]


@pytest.fixture
def refusing_relay() -> Iterator[int]:
    """A server that refuses every client at its greeting, as a blocklisting relay does."""
    server = socket.socket()
    server.bind(("127.0.0.1", free_port()))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"554 5.7.1 client host blocked\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_a_relay_refusing_us_at_its_greeting_is_a_temporary_failure(
        base_settings: Settings, refusing_relay: int) -> None:
    mailer = SmtpMailer(base_settings.model_copy(update={"smtp_port": refusing_relay}))
    from reconnect.mail.message import build_message
    from tests.test_message_format import SENT_AT, _mail

    with pytest.raises(MailError) as refused:
        mailer.send(build_message(_mail(), "hello@reconnect.test", SENT_AT))
    assert not refused.value.permanent
    mailer.close()


def test_a_result_from_an_older_attempt_is_not_recorded_over_a_newer_one(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _sign_up(client, "ana@example.org")
    ids = _claim_all(runtime)
    with runtime.engine.connect() as conn:
        [stale] = prepare(runtime, conn, ids, {})
    # The reaper hands the row to another worker, which takes it again.
    clock.advance(timedelta(seconds=runtime.settings.claim_timeout_seconds + 1))
    service.reap_stale(runtime)
    assert _claim_all(runtime) == ids
    with runtime.engine.connect() as conn:
        [fresh] = prepare(runtime, conn, ids, {})
    assert record_sent(runtime, stale.attempt) is Outcome.SKIPPED
    assert record_sent(runtime, fresh.attempt) is Outcome.SENT


def test_a_batch_keeps_its_claim_while_it_sends_and_drops_rows_it_lost(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    _sign_up(client, "ana@example.org", "cy@example.org")
    ids = _claim_all(runtime)
    with runtime.engine.connect() as conn:
        ready = prepare(runtime, conn, ids, {})
        keeper = ClaimKeeper(runtime, conn, ready, every=0)  # renew before every send
        lost, kept = (r.attempt.delivery_id for r in ready)
        with runtime.unit_of_work() as uow:  # reaped meanwhile, as if the worker stalled
            DeliveryRepository(uow.session).transition(lost, S.SENDING, S.SCHEDULED)
        clock.advance(timedelta(minutes=5))
        keeper._renewed -= 3600
        assert not keeper.still_ours(lost)
        assert keeper.still_ours(kept)
    with runtime.read_session() as session:
        row = session.get(Delivery, kept)
        assert row is not None
        assert row.claimed_at == clock.now()


def test_the_reaper_keeps_the_original_due_time(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    _sign_up(client, "ana@example.org")
    [row] = deliveries(runtime, "ana@example.org")
    _claim_all(runtime)
    clock.advance(timedelta(seconds=runtime.settings.claim_timeout_seconds + 1))
    service.reap_stale(runtime)
    [reaped] = deliveries(runtime, "ana@example.org")
    assert (reaped.status, reaped.due_at) == (S.SCHEDULED, row.due_at)
