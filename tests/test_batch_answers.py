"""A worker reads the earlier answers of a whole batch at once: the emails it builds are
the ones it would build by looking each person's answers up."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime
from reconnect.sending.compose import compose, known_answers, previous_answers
from tests.support.flows import ANA, couple_with_first_stage, deliveries
from tests.support.links import reflect_paths
from tests.support.smtp import SmtpSink


def _next_stage(rt: Runtime, email: str) -> Delivery:
    return next(d for d in deliveries(rt, email)
                if d.kind is DeliveryKind.STAGE and d.status is DeliveryStatus.SCHEDULED)


def _answer_first_stage(client: TestClient, sink: SmtpSink) -> None:
    path = next(p for p in reflect_paths(sink.to(ANA)[-1]) if "/connection?" in p)
    assert client.post(path.split("?")[0], data={"answer": "2"}).status_code == 200


def test_the_batchs_answers_build_the_same_email_as_answers_looked_up(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    _answer_first_stage(client, smtp_sink)
    upcoming = _next_stage(runtime, ANA)
    with runtime.unit_of_work() as uow:
        delivery = uow.session.get(Delivery, upcoming.id)
        ana = uow.session.get(Partner, upcoming.partner_id)
        assert delivery is not None
        assert ana is not None
        ben = PartnerRepository(uow.session).other_partner(ana)
        known = known_answers(uow.session, {ana.id})
        assert compose(uow.session, runtime, delivery, ana, ben, known) \
            == compose(uow.session, runtime, delivery, ana, ben)


def test_the_batchs_answers_hold_what_the_partner_answered(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    _answer_first_stage(client, smtp_sink)
    upcoming = _next_stage(runtime, ANA)
    with runtime.read_session() as session:
        ana = session.get(Partner, upcoming.partner_id)
        assert ana is not None
        assert ana.program_version_id is not None
        program = runtime.programs.version(session, ana.program_version_id)
        stage = program.stage(upcoming.key)
        assert stage is not None
        answers = previous_answers(session, program, stage, ana,
                                   known_answers(session, {ana.id}))
    assert answers["connection"] == "2"


def test_a_batch_without_answers_knows_each_partner_answered_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    upcoming = _next_stage(runtime, ANA)
    with runtime.read_session() as session:
        assert known_answers(session, {upcoming.partner_id}) == {upcoming.partner_id: []}
