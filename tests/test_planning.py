"""The next stage is planned ahead of the send and recorded only if still right."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reconnect.deliveries.planning import Plan, plan_after, record_plan
from reconnect.models import DeliveryStatus, PartnerStatus
from reconnect.partners import preferences
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime
from tests.support.flows import ANA, deliveries, enrol, partner
from tests.support.smtp import SmtpSink

S = DeliveryStatus


def _plan_after_stage(runtime: Runtime, partner_id: int, position: int) -> Plan:
    with runtime.read_session() as session:
        found = PartnerRepository(session).get(partner_id)
        assert found is not None
        plan = plan_after(runtime, session, found, position, runtime.clock.now())
    assert plan is not None
    return plan


def _record(runtime: Runtime, partner_id: int, plan: Plan) -> bool:
    with runtime.unit_of_work() as uow:
        return record_plan(uow.session, partner_id, plan, runtime.clock.now())


def _acknowledge(runtime: Runtime) -> list[DeliveryStatus]:
    return [d.status for d in deliveries(runtime, ANA) if d.key == "acknowledge"]


def test_a_plan_for_an_unchanged_partner_schedules_the_next_stage(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    assert _record(runtime, ana.id, _plan_after_stage(runtime, ana.id, 0))
    assert _acknowledge(runtime) == [S.SCHEDULED]


def test_a_plan_for_a_partner_who_paused_since_is_recorded_as_held(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    plan = _plan_after_stage(runtime, ana.id, 0)
    with runtime.unit_of_work() as uow:
        preferences.pause(uow, runtime, ana.id)
    assert _record(runtime, ana.id, plan)
    assert _acknowledge(runtime) == [S.HELD]


def test_a_plan_made_before_the_send_hour_changed_is_refused(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    plan = _plan_after_stage(runtime, ana.id, 0)
    with runtime.unit_of_work() as uow:
        preferences.set_send_time(uow, runtime, ana.id, 21, "Europe/Berlin")
    assert not _record(runtime, ana.id, plan)
    assert _acknowledge(runtime) == []


def test_a_plan_for_a_partner_who_left_since_adds_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    plan = _plan_after_stage(runtime, ana.id, 0)
    with runtime.unit_of_work() as uow:
        found = PartnerRepository(uow.session).get(ana.id)
        assert found is not None
        found.status = PartnerStatus.UNSUBSCRIBED
    assert not _record(runtime, ana.id, plan)
    assert _acknowledge(runtime) == []


def test_the_plan_after_the_last_stage_completes_the_program(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    ana = enrol(client, runtime, smtp_sink)
    _, program = runtime.programs.current()
    last = program.stages[-1].position
    plan = _plan_after_stage(runtime, ana.id, last)
    assert plan.following is None
    assert _record(runtime, ana.id, plan)
    assert partner(runtime, ANA).status is PartnerStatus.COMPLETED
