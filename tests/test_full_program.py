"""A couple walks the whole program: signup, both confirmations, every stage at each
partner's own local send hour across two DST changes, reflections, the follow-up a month
after the end, and unsubscribe."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import PartnerStatus
from reconnect.runtime import Runtime
from tests.support.flows import ANA, BEN, deliver_due, partner, signup_body
from tests.support.links import confirm_path, reflect_paths, unsubscribe_path
from tests.support.smtp import Received, SmtpSink

pytestmark = pytest.mark.usefixtures("worker")

BEN_UNSUBSCRIBES_AFTER = 4


def _next_due(rt: Runtime) -> None:
    with rt.read_session() as session:
        due = DeliveryRepository(session).earliest_scheduled()
    assert due is not None, "nothing left to send"
    clock = rt.clock
    assert isinstance(clock, ManualClock)
    clock.set(due)


NUDGE_SUBJECT = "A small note from Reconnect"


def test_a_couple_receives_every_stage_once_at_their_own_hours(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _, program = runtime.programs.current()
    stage_subjects = [s.subject for s in program.stages]

    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    confirmations = deliver_due(runtime, smtp_sink, 2, since=0)
    by_address = {m.to: m for m in confirmations}
    assert by_address[BEN].subject == "An invitation to Reconnect"
    assert client.post(confirm_path(by_address[ANA])).status_code == 200
    # Ben lives elsewhere and picks his own zone and hour as he confirms.
    assert client.post(confirm_path(by_address[BEN]),
                       data={"timezone": "Europe/Berlin", "send_hour": "20"}).status_code == 200

    received: dict[str, list[Received]] = {ANA: [], BEN: []}
    nudged: dict[str, list[str]] = {ANA: [], BEN: []}
    hours = {ANA: ("America/New_York", 7), BEN: ("Europe/Berlin", 20)}
    while True:
        expected_ana = len(received[ANA]) < len(program.stages)
        expected_ben = len(received[BEN]) < BEN_UNSUBSCRIBES_AFTER
        if not (expected_ana or expected_ben):
            break
        _next_due(runtime)
        for message in deliver_due(runtime, smtp_sink, 1):
            zone, hour = hours[message.to]
            local = runtime.clock.now().astimezone(ZoneInfo(zone))
            assert (local.hour, local.minute) == (hour, 0), f"{message.subject} at {local}"
            if message.subject == NUDGE_SUBJECT:
                nudged[message.to].append(received[message.to][-1].subject)
                continue
            received[message.to].append(message)
            if message.to == ANA:
                first_prompt = reflect_paths(message)[0]
                assert client.post(first_prompt, data={"answer": "4"}).status_code == 200
            if message.to == BEN and len(received[BEN]) == BEN_UNSUBSCRIBES_AFTER:
                one_click = client.post(unsubscribe_path(message),
                                        data={"List-Unsubscribe": "One-Click"})
                assert one_click.status_code == 200

    assert [m.subject for m in received[ANA]] == stage_subjects
    # The last is the follow-up, a month after the closing stage.
    follow_up = program.stage(program.follow_up or "")
    assert follow_up is not None
    assert received[ANA][-1].subject == follow_up.subject
    assert [m.subject for m in received[BEN]] == stage_subjects[:BEN_UNSUBSCRIBES_AFTER]
    # Ana answers each week's shared question and Ben never does: Ben gets one gentle
    # reminder per step while he is enrolled (the one for the step he left at is
    # dropped), Ana none.
    assert nudged == {ANA: [], BEN: stage_subjects[:BEN_UNSUBSCRIBES_AFTER - 1]}
    assert partner(runtime, ANA).status is PartnerStatus.COMPLETED
    assert partner(runtime, BEN).status is PartnerStatus.UNSUBSCRIBED

    # Nothing else is due, and nothing was ever sent twice.
    with runtime.read_session() as session:
        assert DeliveryRepository(session).earliest_scheduled() is None
    ids = Counter(str(m.message["Message-ID"]) for m in smtp_sink.messages)
    assert all(count == 1 for count in ids.values())
    assert len(smtp_sink.messages) == 2 + len(program.stages) + BEN_UNSUBSCRIBES_AFTER \
        + len(nudged[BEN])


def test_each_answer_from_the_walk_is_recorded_for_its_own_stage(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                    partner_first_name=None))
    client.post(confirm_path(deliver_due(runtime, smtp_sink, 1, since=0)[0]))
    answers = []
    for _ in range(3):
        _next_due(runtime)
        message = deliver_due(runtime, smtp_sink, 1)[0]
        token = reflect_paths(message)[0].split("/")[2]
        client.post(reflect_paths(message)[0].split("?")[0], data={"answer": "2"})
        answers.append(client.get(f"/api/v1/reflections/{token}").json())
    stages = [a[0]["stage"] for a in answers]
    assert len(set(stages)) == 3
    assert all(a[0]["answer"] == "2" for a in answers)
