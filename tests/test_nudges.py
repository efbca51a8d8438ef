"""The gentle nudge: one short reminder per step, a few days after your partner answered
a shared question, only if you have not, never saying what they answered."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.partners import preferences
from reconnect.reflections.nudges import NUDGE_AFTER
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    couple_with_first_stage,
    deliveries,
    partner,
    send_due_now,
    signup_body,
)
from tests.support.links import confirm_path, preferences_path, question_paths, reflect_paths
from tests.support.smtp import SmtpSink

S = DeliveryStatus
NUDGE_SUBJECT = "A small note from Reconnect"


@pytest.fixture
def couple(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
           clock: ManualClock) -> None:
    couple_with_first_stage(client, runtime, smtp_sink, clock)


def _answer(client: TestClient, sink: SmtpSink, email: str, prompt: str = "connection",
            value: str = "4") -> None:
    stage_email = [m for m in sink.to(email) if m.subject != NUDGE_SUBJECT][-1]
    path = next(p for p in reflect_paths(stage_email) if f"/{prompt}?" in p).split("?")[0]
    assert client.post(path, data={"answer": value}).status_code == 200


def _nudges(runtime: Runtime, email: str) -> list[tuple[str, DeliveryStatus]]:
    return [(d.key, d.status) for d in deliveries(runtime, email)
            if d.kind is DeliveryKind.NUDGE]


def _after_nudge_time(runtime: Runtime, clock: ManualClock) -> None:
    clock.advance(NUDGE_AFTER + timedelta(days=1))
    send_due_now(runtime)


@pytest.mark.usefixtures("couple")
def test_answering_a_shared_question_plans_one_nudge_for_the_partner_at_their_hour(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    answered_at = clock.now()
    _answer(client, smtp_sink, ANA)
    [nudge] = [d for d in deliveries(runtime, BEN) if d.kind is DeliveryKind.NUDGE]
    assert nudge.key == "_nudge-welcome"
    assert nudge.due_at >= answered_at + NUDGE_AFTER
    assert nudge.due_at.astimezone(ZoneInfo("America/New_York")).hour == 7
    assert _nudges(runtime, ANA) == []


@pytest.mark.usefixtures("couple")
def test_the_nudge_is_short_discreet_and_never_tells_the_answer(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    _answer(client, smtp_sink, ANA, value="1")
    _after_nudge_time(runtime, clock)
    [nudge] = [m for m in smtp_sink.to(BEN) if m.subject == NUDGE_SUBJECT]
    assert "From 1 (" in nudge.text  # the scale's labels, not Ana's answer
    assert "answered: " not in nudge.text.lower()
    text = " ".join(nudge.text.split())
    assert "This week's question is still open for you" in text
    assert "your partner has" not in text.lower()  # nothing about what they did
    assert reflect_paths(nudge)  # it links straight to the question
    assert question_paths(nudge)
    assert preferences_path(nudge)


@pytest.mark.usefixtures("couple")
def test_at_most_one_nudge_per_step_however_many_answers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _answer(client, smtp_sink, ANA, value="4")
    _answer(client, smtp_sink, ANA, value="5")  # changing the answer
    assert _nudges(runtime, BEN) == [("_nudge-welcome", S.SCHEDULED)]


@pytest.mark.usefixtures("couple")
def test_no_nudge_goes_to_a_partner_who_answered_meanwhile(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    _answer(client, smtp_sink, ANA)
    _answer(client, smtp_sink, BEN)
    _after_nudge_time(runtime, clock)
    assert [m for m in smtp_sink.to(BEN) if m.subject == NUDGE_SUBJECT] == []
    assert _nudges(runtime, BEN) == [("_nudge-welcome", S.CANCELLED)]


@pytest.mark.usefixtures("couple")
def test_no_nudge_is_planned_when_the_partner_already_answered(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _answer(client, smtp_sink, BEN)
    _answer(client, smtp_sink, ANA)
    assert _nudges(runtime, BEN) == []
    assert _nudges(runtime, ANA) == [("_nudge-welcome", S.SCHEDULED)]


@pytest.mark.usefixtures("couple")
def test_a_partner_who_turned_nudges_off_gets_none(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    bens_preferences = preferences_path(smtp_sink.to(BEN)[-1])
    response = client.post(bens_preferences, data={
        "action": "schedule", "send_hour": "7", "timezone": "America/New_York"})
    assert response.status_code == 200
    _answer(client, smtp_sink, ANA)
    _after_nudge_time(runtime, clock)
    assert [m for m in smtp_sink.to(BEN) if m.subject == NUDGE_SUBJECT] == []


@pytest.mark.usefixtures("couple")
def test_a_question_that_is_not_shared_never_nudges(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _answer(client, smtp_sink, ANA, prompt="hope", value="not-sure")
    assert _nudges(runtime, BEN) == []


def test_a_reminder_is_never_planned_before_its_step_reaches_the_reader(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    send_due_now(runtime)
    for message in smtp_sink.messages:
        assert client.post(confirm_path(message)).status_code == 200
    # Ben pauses before his welcome reaches him; Ana gets hers and answers.
    with runtime.unit_of_work() as uow:
        preferences.pause(uow, runtime, partner(runtime, BEN).id)
    clock.advance(timedelta(days=1))
    send_due_now(runtime)
    _answer(client, smtp_sink, ANA)
    [nudge] = [d for d in deliveries(runtime, BEN) if d.kind is DeliveryKind.NUDGE]
    clock.set(nudge.due_at)
    send_due_now(runtime)
    # Paused, the step never reached him: the reminder is dropped, not sent ahead of it.
    assert _nudges(runtime, BEN) == [("_nudge-welcome", S.CANCELLED)]
    assert [m for m in smtp_sink.to(BEN) if m.subject == NUDGE_SUBJECT] == []
