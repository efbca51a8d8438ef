"""The repository methods with one branch per database, each held to one contract on both:
DeliveryRepository.claim_due (``= ANY(ARRAY(...))`` on PostgreSQL, ``IN`` on SQLite),
SentRepository.record and the connection it records on (one statement with autocommit
on PostgreSQL, several in the caller's transaction on SQLite), and InviteBlocks.block
(each dialect's ``INSERT … ON CONFLICT DO NOTHING``)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import DeliveryKind, DeliveryStatus, InviteBlock, PartnerStatus
from reconnect.runtime import Runtime
from reconnect.signups.inbox import InviteBlocks
from tests.support.flows import (
    ANA,
    BEN,
    deliveries,
    first_stage_email,
    partner,
    send_due_now,
    signup_body,
)
from tests.support.smtp import SmtpSink

S = DeliveryStatus


def test_claiming_takes_each_due_row_once_in_id_order(dialect_client: TestClient,
                                                       dialect_runtime: Runtime) -> None:
    rt = dialect_runtime
    assert dialect_client.post("/api/v1/signups", json=signup_body()).status_code == 202
    waiting = sorted(d.id for email in (ANA, BEN) for d in deliveries(rt, email))
    assert len(waiting) == 2  # both confirmations of the couple, due now
    with rt.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(rt.clock.now(), 10) == waiting
    with rt.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(rt.clock.now(), 10) == []


def test_claiming_leaves_rows_not_yet_due(dialect_client: TestClient, dialect_runtime: Runtime,
                                          clock: ManualClock) -> None:
    rt = dialect_runtime
    body = signup_body(partner_email=None, partner_first_name=None)
    assert dialect_client.post("/api/v1/signups", json=body).status_code == 202
    [pending] = deliveries(rt, ANA)
    with rt.unit_of_work() as uow:
        DeliveryRepository(uow.session).transition(
            pending.id, S.SCHEDULED, S.SCHEDULED, due_at=clock.now() + timedelta(hours=1))
    with rt.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(clock.now(), 10) == []
    clock.advance(timedelta(hours=1))
    with rt.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(clock.now(), 10) == [pending.id]


def test_a_sent_stage_is_recorded_with_the_next_stage_scheduled(
        dialect_client: TestClient, dialect_runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(dialect_client, dialect_runtime, smtp_sink, clock)
    rows = deliveries(dialect_runtime, ANA)
    assert [(d.kind, d.status) for d in rows] == [
        (DeliveryKind.CONFIRMATION, S.SENT), (DeliveryKind.STAGE, S.SENT),
        (DeliveryKind.STAGE, S.SCHEDULED)]
    sent, following = rows[1], rows[2]
    assert sent.message_id
    assert following.position == sent.position + 1
    assert following.due_at > clock.now()


def test_the_last_stage_sent_completes_the_program(
        dialect_client: TestClient, dialect_runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(dialect_client, dialect_runtime, smtp_sink, clock)
    for _ in range(30):  # weeks; far more than any program has stages
        if partner(dialect_runtime, ANA).status is PartnerStatus.COMPLETED:
            break
        clock.advance(timedelta(days=7))
        send_due_now(dialect_runtime)
    assert partner(dialect_runtime, ANA).status is PartnerStatus.COMPLETED
    rows = deliveries(dialect_runtime, ANA)
    assert all(d.status is S.SENT for d in rows)
    assert len({d.key for d in rows if d.kind is DeliveryKind.STAGE}) == \
        len([d for d in rows if d.kind is DeliveryKind.STAGE])


def test_blocking_an_address_twice_keeps_one_block(dialect_runtime: Runtime) -> None:
    rt = dialect_runtime
    for _ in range(2):
        with rt.unit_of_work() as uow:
            InviteBlocks(uow.session).block("a" * 64, rt.clock.now())
    with rt.read_session() as session:
        assert InviteBlocks(session).blocked("a" * 64)
        assert session.execute(select(func.count()).select_from(InviteBlock)).scalar() == 1
