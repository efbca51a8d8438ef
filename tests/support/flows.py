"""Steps a couple takes, shared by the tests that walk through them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import Base, Delivery, DeliveryStatus, Partner, SignupRequest
from reconnect.runtime import Runtime
from reconnect.sending.service import Outcome, deliver, dispatch_due
from tasks.celery_app import CelerySender
from tests.support.links import confirm_path
from tests.support.smtp import Received, SmtpSink
from tests.support.wait import wait_until

ANA = "ana@example.org"
BEN = "ben@example.org"


def signup_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": ANA, "first_name": "Ana", "timezone": "America/New_York",
                            "send_hour": 7, "partner_email": BEN, "partner_first_name": "Ben"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def deliver_due(rt: Runtime, sink: SmtpSink, expect: int,
                since: int | None = None) -> list[Received]:
    """What beat does every few seconds: claim due rows; the real worker sends them.

    Returns once ``expect`` new messages arrived (counted from ``since`` messages, by
    default from now) and the worker has recorded every claimed row's outcome (the sink
    sees a message before the worker marks it sent)."""
    before = len(sink.messages) if since is None else since
    # A signup's job runs in the worker: once it has, this claim finds what it made
    # due, whether or not the worker's own dispatch got there first.
    signups_settled(rt)
    dispatch_due(rt)
    received = sink.wait_count(before + expect)[before:]
    wait_until(lambda: not in_flight(rt))
    return received


def in_flight(rt: Runtime) -> bool:
    with rt.read_session() as session:
        counts = DeliveryRepository(session).counts_by_status()
    return bool(counts.get(DeliveryStatus.CLAIMED) or counts.get(DeliveryStatus.SENDING))


def sign_up_and_confirm(client: TestClient, rt: Runtime, sink: SmtpSink,
                        **overrides: Any) -> None:
    body = signup_body(**overrides)
    before = len(sink.messages)
    response = client.post("/api/v1/signups", json=body)
    assert response.status_code == 202
    # Counted from before the signup: its own nudge to the dispatcher may already have
    # had the worker send them.
    confirmations = deliver_due(rt, sink, 2 if "partner_email" in body else 1, since=before)
    for message in confirmations:
        assert client.post(confirm_path(message)).status_code == 200


def signups_settled(rt: Runtime) -> None:
    """With the real worker, a signup is processed by a job after the answer: wait for
    it before looking at rows (without the worker it ran before the answer returned)."""
    if isinstance(rt.sender, CelerySender):
        wait_until(lambda: _waiting_signups(rt) == 0)


def _waiting_signups(rt: Runtime) -> int:
    with rt.read_session() as session:
        return int(session.execute(select(func.count()).select_from(SignupRequest))
                   .scalar_one())


def row_counts(rt: Runtime) -> dict[str, int]:
    signups_settled(rt)
    with rt.read_session() as session:
        return {t.name: int(session.execute(select(func.count()).select_from(t)).scalar_one())
                for t in Base.metadata.sorted_tables if t.name != "program_versions"}


def partner(rt: Runtime, email: str) -> Partner:
    signups_settled(rt)
    with rt.read_session() as session:
        found = session.execute(select(Partner).where(Partner.email == email)).scalar_one()
        session.expunge(found)
        return found


def deliveries(rt: Runtime, email: str) -> list[Delivery]:
    with rt.read_session() as session:
        rows = list(session.execute(
            select(Delivery).join(Partner, Partner.id == Delivery.partner_id)
            .where(Partner.email == email).order_by(Delivery.id)).scalars())
        for row in rows:
            session.expunge(row)
        return rows


def send_due_now(rt: Runtime) -> dict[int, Outcome]:
    """Claims what is due and sends it in this process, as one worker job would."""
    with rt.unit_of_work() as uow:
        ids = DeliveryRepository(uow.session).claim_due(rt.clock.now(), 1000)
    return deliver(rt, ids) if ids else {}


def enrol(client: TestClient, rt: Runtime, sink: SmtpSink, email: str = ANA) -> Partner:
    """A single partner signs up and confirms, driven step by step without a worker."""
    before = len(sink.messages)
    body = signup_body(email=email, partner_email=None, partner_first_name=None)
    assert client.post("/api/v1/signups", json=body).status_code == 202
    send_due_now(rt)
    [confirmation] = [m for m in sink.messages[before:] if email in m.rcpt]
    assert client.post(confirm_path(confirmation)).status_code == 200
    return partner(rt, email)


def first_stage_email(client: TestClient, rt: Runtime, sink: SmtpSink, clock: ManualClock,
                      email: str = ANA) -> Received:
    """A single partner enrols, and a day later their first stage email arrives."""
    enrol(client, rt, sink, email)
    clock.advance(timedelta(days=1))
    send_due_now(rt)
    return sink.to(email)[-1]


def couple_with_first_stage(client: TestClient, rt: Runtime, sink: SmtpSink,
                            clock: ManualClock) -> None:
    """Ana and Ben sign up together and both confirm; a day later each has their first
    stage email. Driven step by step, without a worker."""
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    send_due_now(rt)
    for message in sink.messages:
        assert client.post(confirm_path(message)).status_code == 200
    clock.advance(timedelta(days=1))
    send_due_now(rt)
