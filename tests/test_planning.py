"""The next stage is planned before the send and recorded with it, only if still right."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, PartnerStatus
from reconnect.partners import preferences
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime
from reconnect.sending.outcomes import Attempt, Outcome, record_sent
from reconnect.sending.planning import plan_after
from tests.support.flows import ANA, deliveries, enrol, partner
from tests.support.smtp import SmtpSink

S = DeliveryStatus


def _sending(runtime: Runtime, position: int | None = None) -> Attempt:
    """Ana's waiting stage, taken for sending, with its plan made as the worker makes it."""
    [row] = [d for d in deliveries(runtime, ANA) if d.status is S.SCHEDULED]
    with runtime.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        assert repo.transition(row.id, S.SCHEDULED, S.CLAIMED)
        assert repo.start_sending([row.id], runtime.clock.now()) == [row.id]
        if position is not None:
            repo.transition(row.id, S.SENDING, S.SENDING, position=position)
        found = PartnerRepository(uow.session).get(row.partner_id)
        assert found is not None
        stage_position = row.position if position is None else position
        plan = plan_after(runtime, uow.session, found, stage_position, runtime.clock.now())
    return Attempt(delivery_id=row.id, number=row.attempts + 1, partner_id=row.partner_id,
                   kind=DeliveryKind.STAGE,
                   position=stage_position, message_id="<m@reconnect.test>",
                   partner_had_failures=False, due_at=row.due_at, plan=plan)


def _acknowledge(runtime: Runtime) -> list[Delivery]:
    return [d for d in deliveries(runtime, ANA) if d.key == "acknowledge"]


def test_sending_a_stage_records_it_and_schedules_the_next(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    attempt = _sending(runtime)
    assert record_sent(runtime, attempt) is Outcome.SENT
    [planned] = _acknowledge(runtime)
    assert planned.status is S.SCHEDULED
    assert attempt.plan is not None
    assert attempt.plan.following is not None
    assert planned.due_at == attempt.plan.following.due_at


def test_a_partner_who_paused_meanwhile_gets_the_next_stage_held(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    attempt = _sending(runtime)
    with runtime.unit_of_work() as uow:
        preferences.pause(uow, runtime, ana.id)
    record_sent(runtime, attempt)
    assert [d.status for d in _acknowledge(runtime)] == [S.HELD]


def test_a_send_hour_changed_meanwhile_is_respected(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    attempt = _sending(runtime)
    with runtime.unit_of_work() as uow:
        preferences.set_send_time(uow, runtime, ana.id, 21, "Europe/Berlin")
    record_sent(runtime, attempt)
    [planned] = _acknowledge(runtime)
    assert planned.due_at.hour == 20  # 21:00 in Berlin, in UTC (winter time)


def test_a_partner_who_left_meanwhile_gets_nothing_more(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    attempt = _sending(runtime)
    with runtime.unit_of_work() as uow:
        found = PartnerRepository(uow.session).get(ana.id)
        assert found is not None
        found.status = PartnerStatus.UNSUBSCRIBED
    assert record_sent(runtime, attempt) is Outcome.SENT
    assert _acknowledge(runtime) == []


def test_sending_the_last_stage_completes_the_program(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    _, program = runtime.programs.current()
    attempt = _sending(runtime, position=program.stages[-1].position)
    assert attempt.plan is not None
    assert attempt.plan.following is None
    record_sent(runtime, attempt)
    assert partner(runtime, ANA).status is PartnerStatus.COMPLETED


def test_a_send_recorded_twice_counts_once(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    enrol(client, runtime, smtp_sink)
    attempt = _sending(runtime)
    assert record_sent(runtime, attempt) is Outcome.SENT
    assert record_sent(runtime, attempt) is Outcome.SKIPPED
    assert len(_acknowledge(runtime)) == 1


def test_a_resume_committing_while_a_send_is_recorded_never_leaves_the_next_stage_held(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    attempt = _sending(runtime)
    with runtime.unit_of_work() as uow:
        preferences.pause(uow, runtime, ana.id)
    outcomes: list[Outcome] = []
    recorder = threading.Thread(target=lambda: outcomes.append(record_sent(runtime, attempt)))
    with runtime.unit_of_work() as uow:
        preferences.resume(uow, runtime, ana.id)  # finds nothing held: the row is sending
        recorder.start()
        time.sleep(0.5)  # the record now waits for the partner row
    recorder.join(timeout=10)
    assert outcomes == [Outcome.SENT]
    assert [d.status for d in _acknowledge(runtime)] == [S.SCHEDULED]
