"""The SMTP server is down, or refuses mail for a while, or refuses one address for good:
temporary trouble is retried after the backoff and each email arrives once; a permanent
refusal fails that one delivery with its reason and touches nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Delivery, Partner
from reconnect.runtime import Runtime
from reconnect.sending.service import dispatch_due
from tests.support.delivery_checks import (
    S,
    all_in,
    assert_each_arrived_once,
    sign_up_couples,
    wait_for_rows,
)
from tests.support.processes import Workers
from tests.support.smtp import SmtpSink, free_port
from tests.support.wait import wait_until

pytestmark = pytest.mark.timeout(60)

COUPLES = 10  # 20 confirmation emails
REFUSED = "b3@example.org"
CONNECTION_ERRORS = {"ConnectionRefusedError", "SMTPServerDisconnected"}


def _rows(rt: Runtime) -> dict[str, Delivery]:
    """Each address's one delivery (a confirmation email)."""
    with rt.read_session() as session:
        found = session.execute(
            select(Partner.email, Delivery).join(Delivery, Delivery.partner_id == Partner.id)
        ).all()
        for _, row in found:
            session.expunge(row)
    return {email: row for email, row in found}


def _all_retrying(rt: Runtime, addresses: set[str]) -> dict[str, Delivery]:
    """Waits until the worker has tried each address's email once and put it back to
    wait; returns those rows."""
    def retrying() -> bool:
        rows = _rows(rt)
        return all(rows[a].status is S.SCHEDULED and rows[a].attempts == 1 for a in addresses)

    wait_until(retrying, timeout=20)
    return {a: r for a, r in _rows(rt).items() if a in addresses}


def _retry_after_backoff(rt: Runtime, clock: ManualClock, waiting: dict[str, Delivery]) -> None:
    """Checks the backoff is kept, then dispatches as beat would once it has passed."""
    now = clock.now()
    first_retry = min(r.due_at for r in waiting.values())
    # Attempt 1 waits between half and all of the base delay (equal jitter).
    assert first_retry >= now + timedelta(seconds=rt.settings.retry_base_seconds / 2 - 5)
    assert dispatch_due(rt) == []  # nothing is retried before its time
    clock.set(max(r.due_at for r in waiting.values()))
    assert len(dispatch_due(rt)) == len(waiting)


def test_mail_due_while_the_smtp_server_is_down_is_retried_and_arrives_once_it_is_back(
        client: TestClient, dispatcher: Runtime, clock: ManualClock, workers: Workers) -> None:
    port = free_port()
    before = SmtpSink(port=port)
    before.start()
    try:
        workers.start(dispatcher.settings.model_copy(update={"smtp_port": port}))
        sent_before = sign_up_couples(client, COUPLES // 2)
        dispatch_due(dispatcher)
        wait_for_rows(dispatcher, all_in(S.SENT), timeout=20, what="sent before the outage")
    finally:
        # Down: the worker's open session is cut, and new connections are refused.
        before.stop()
    assert_each_arrived_once(before, sent_before)

    due_in_outage = sign_up_couples(client, COUPLES // 2, first=COUPLES // 2)
    dispatch_due(dispatcher)
    waiting = _all_retrying(dispatcher, due_in_outage)
    # Connection errors: the cut session, then refused connections.
    assert all(any(name in (r.last_error or "") for name in CONNECTION_ERRORS)
               for r in waiting.values())

    back = SmtpSink(port=port)
    back.start()
    try:
        _retry_after_backoff(dispatcher, clock, waiting)
        wait_for_rows(dispatcher, all_in(S.SENT), timeout=20, what="all sent once it is back")
        assert_each_arrived_once(back, due_in_outage)
    finally:
        back.stop()
    assert all(_rows(dispatcher)[a].attempts == 2 for a in due_in_outage)


@pytest.mark.parametrize("reply", ["421 4.3.2 service not available",
                                   "451 4.7.1 greylisted, try again later"],
                         ids=["421", "451"])
def test_mail_refused_temporarily_is_retried_after_the_backoff_and_arrives_once(
        reply: str, client: TestClient, dispatcher: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock, workers: Workers) -> None:
    expected = sign_up_couples(client, COUPLES)
    smtp_sink.handler.reply_override = reply
    workers.start(dispatcher.settings)
    dispatch_due(dispatcher)
    waiting = _all_retrying(dispatcher, expected)
    code = reply.split()[0]
    assert all(code in (r.last_error or "") for r in waiting.values())
    assert smtp_sink.messages == []

    smtp_sink.handler.reply_override = None
    _retry_after_backoff(dispatcher, clock, waiting)
    wait_for_rows(dispatcher, all_in(S.SENT), timeout=20, what="all sent after the refusals")
    assert_each_arrived_once(smtp_sink, expected)


def test_an_address_refused_permanently_fails_with_its_reason_and_nobody_else_is_affected(
        client: TestClient, dispatcher: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        workers: Workers) -> None:
    expected = sign_up_couples(client, COUPLES)
    smtp_sink.handler.refuse[REFUSED] = "550 5.1.1 no such user"
    workers.start(dispatcher.settings)
    dispatch_due(dispatcher)
    wait_for_rows(dispatcher, all_in(S.SENT, S.FAILED), timeout=20, what="all tried")

    rows = _rows(dispatcher)
    refused = rows.pop(REFUSED)
    assert refused.status is S.FAILED
    assert refused.last_error is not None
    assert "550" in refused.last_error
    assert all(r.status is S.SENT and r.attempts == 1 for r in rows.values())
    wait_until(lambda: len(smtp_sink.messages) >= len(expected) - 1, timeout=5)
    assert_each_arrived_once(smtp_sink, expected - {REFUSED})

    # Long after any backoff, it is still not tried again.
    clock.advance(timedelta(days=1))
    assert dispatch_due(dispatcher) == []
    again = _rows(dispatcher)[REFUSED]
    assert (again.status, again.attempts) == (S.FAILED, 1)
