"""Finding the way back: a signup for an address that stopped gets "welcome back",
anyone can have their links emailed, and neither page tells a stranger who is enrolled."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import DeliveryKind, DeliveryStatus, PartnerStatus
from reconnect.partners import notices
from reconnect.runtime import NullSender, Runtime
from tasks.celery_app import make_celery
from tests.support.flows import (
    ANA,
    BEN,
    deliveries,
    first_stage_email,
    partner,
    row_counts,
    send_due_now,
    signup_body,
)
from tests.support.links import links, path_of, unsubscribe_path
from tests.support.smtp import Received, SmtpSink

S = DeliveryStatus
SOLO = {"partner_email": None, "partner_first_name": None}


def _stop(client: TestClient, message: Received) -> None:
    assert client.post(unsubscribe_path(message)).status_code == 200


def _sign_up_again(client: TestClient, runtime: Runtime, sink: SmtpSink,
                   email: str = ANA) -> list[Received]:
    before = len(sink.messages)
    response = client.post("/", data={"first_name": "Ana", "email": email,
                                      "timezone": "America/New_York", "send_hour": "7",
                                      "taking_part": "alone"})
    assert "Check your inbox" in response.text
    send_due_now(runtime)
    return [m for m in sink.messages[before:] if email in m.rcpt]


def _rejoin_path(message: Received) -> str:
    return next(path_of(u) for u in links(message) if "/rejoin/" in u)


def _stopped_ana(client: TestClient, runtime: Runtime, sink: SmtpSink,
                 clock: ManualClock) -> str:
    """Ana stops after her first step; a week later she signs up again: her rejoin link."""
    _stop(client, first_stage_email(client, runtime, sink, clock))
    clock.advance(timedelta(days=7))
    [welcome] = _sign_up_again(client, runtime, sink)
    assert welcome.subject == "Welcome back to Reconnect"
    return _rejoin_path(welcome)


def test_a_signup_for_a_stopped_address_sends_welcome_back_with_the_same_page_answer(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    new = client.post("/", data={"first_name": "Eve", "email": "eve@example.org",
                                 "timezone": "America/New_York", "send_hour": "7",
                                 "taking_part": "alone"})
    _stop(client, first_stage_email(client, runtime, smtp_sink, clock))
    again = client.post("/", data={"first_name": "Ana", "email": ANA,
                                   "timezone": "America/New_York", "send_hour": "7",
                                   "taking_part": "alone"})
    assert again.status_code == new.status_code == 200
    assert again.text == new.text
    send_due_now(runtime)
    assert smtp_sink.to(ANA)[-1].subject == "Welcome back to Reconnect"


def test_continuing_sends_the_step_after_the_last_one_received(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    path = _stopped_ana(client, runtime, smtp_sink, clock)
    page = client.get(path)
    assert "Continue with" in page.text
    done = client.post(path, data={"choice": "continue"})
    assert done.status_code == 200
    assert "You continue where you stopped" in done.text
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE
    waiting = [d.key for d in deliveries(runtime, ANA)
               if d.kind is DeliveryKind.STAGE and d.status is S.SCHEDULED]
    assert waiting == [runtime.programs.current()[1].stages[1].key]


def test_starting_again_sends_the_first_step_once_more(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    path = _stopped_ana(client, runtime, smtp_sink, clock)
    assert "You start again from the beginning" in client.post(
        path, data={"choice": "restart"}).text
    clock.advance(timedelta(days=1))
    send_due_now(runtime)
    first = runtime.programs.current()[1].stages[0]
    assert smtp_sink.to(ANA)[-1].subject == first.subject


def test_a_welcome_back_link_works_once(client: TestClient, runtime: Runtime,
                                        smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = _stopped_ana(client, runtime, smtp_sink, clock)
    client.post(path, data={"choice": "continue"})
    again = client.post(path, data={"choice": "restart"})
    assert again.status_code == 410
    assert "already been used" in again.text


def test_the_rejoin_page_writes_nothing(client: TestClient, runtime: Runtime,
                                        smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = _stopped_ana(client, runtime, smtp_sink, clock)
    before = row_counts(runtime)
    assert client.get(path).status_code == 200
    assert row_counts(runtime) == before
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_a_second_signup_at_once_sends_one_welcome_back(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    _stop(client, first_stage_email(client, runtime, smtp_sink, clock))
    assert len(_sign_up_again(client, runtime, smtp_sink)) == 1
    assert _sign_up_again(client, runtime, smtp_sink) == []


def test_a_signup_for_someone_taking_part_sends_them_their_links(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    [message] = _sign_up_again(client, runtime, smtp_sink)
    assert message.subject == "Your Reconnect links"


def test_a_tampered_rejoin_link_gets_the_friendly_page(client: TestClient) -> None:
    response = client.get("/rejoin/not-a-token")
    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_email_me_my_links_sends_fresh_links_to_a_known_address(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    response = client.post("/my-link", data={"email": ANA})
    assert "Check your inbox" in response.text
    send_due_now(runtime)
    message = smtp_sink.to(ANA)[-1]
    assert message.subject == "Your Reconnect links"
    preferences = next(path_of(u) for u in links(message) if "/preferences/" in u)
    assert client.get(preferences).status_code == 200


def test_email_me_my_links_answers_the_same_for_an_unknown_address(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    known = client.post("/my-link", data={"email": ANA})
    unknown = client.post("/my-link", data={"email": "nobody@example.org"})
    assert (known.status_code, known.text) == (unknown.status_code, unknown.text)
    before = len(smtp_sink.messages)
    send_due_now(runtime)
    assert [m.to for m in smtp_sink.messages[before:]] == [ANA]


def test_email_me_my_links_writes_only_its_request_before_answering(
        client: TestClient, runtime: Runtime) -> None:
    """The request itself looks nothing up (the lookup runs after the answer), so its
    cost cannot depend on whether the address is known."""
    before = row_counts(runtime)
    client.post("/my-link", data={"email": "nobody@example.org"})
    assert row_counts(runtime) == before  # processed and deleted after the answer


def test_email_me_my_links_refuses_a_malformed_address_beside_the_field(
        client: TestClient) -> None:
    response = client.post("/my-link", data={"email": "not an address"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text


def test_email_me_my_links_sends_nothing_to_someone_who_never_confirmed(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json=signup_body(**SOLO))
    send_due_now(runtime)
    before = len(smtp_sink.messages)
    client.post("/my-link", data={"email": ANA})
    send_due_now(runtime)
    assert smtp_sink.messages[before:] == []


def test_asking_twice_at_once_sends_one_email(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    before = len(smtp_sink.messages)
    client.post("/my-link", data={"email": ANA})
    client.post("/my-link", data={"email": ANA})
    send_due_now(runtime)
    assert len(smtp_sink.messages[before:]) == 1


def test_an_erased_address_signing_up_again_is_simply_new(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    preferences = next(path_of(u) for u in links(message) if "/preferences/" in u)
    assert client.post(f"{preferences}/erase").status_code == 200
    [confirmation] = _sign_up_again(client, runtime, smtp_sink)
    assert "/confirm/" in confirmation.text
    assert BEN not in confirmation.text


def test_a_welcome_back_link_opened_months_later_says_how_to_get_a_new_one(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    path = _stopped_ana(client, runtime, smtp_sink, clock)
    clock.advance(timedelta(days=90))
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_a_stopped_persons_preferences_link_opened_months_later_tells_the_truth(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    preferences = next(path_of(u) for u in links(message) if "/preferences/" in u)
    _stop(client, message)
    clock.advance(timedelta(days=180))
    text = client.get(preferences).text
    assert "Stopped: nothing more is sent to you" in text
    assert "sign up again" in text
    assert "hour you chose" not in text


def test_an_erased_persons_welcome_back_link_reaches_nobody_after_a_stranger_signs_up(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    path = _stopped_ana(client, runtime, smtp_sink, clock)
    preferences = next(path_of(u) for u in links(smtp_sink.to(ANA)[-2])
                       if "/preferences/" in u)
    assert client.post(f"{preferences}/erase").status_code == 200
    first_stage_email(client, runtime, smtp_sink, clock)  # someone new, same address
    before = [(d.key, d.status) for d in deliveries(runtime, ANA)]
    response = client.post(path, data={"choice": "restart"})
    assert response.status_code == 400
    assert "Ana" not in response.text
    assert [(d.key, d.status) for d in deliveries(runtime, ANA)] == before


def test_someone_in_discreet_mode_gets_links_under_a_subject_naming_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    with runtime.unit_of_work() as uow:
        ana = uow.session.get(type(partner(runtime, ANA)), partner(runtime, ANA).id)
        assert ana is not None
        ana.discreet = True
    client.post("/my-link", data={"email": ANA})
    send_due_now(runtime)
    links_email = smtp_sink.to(ANA)[-1]
    assert links_email.subject == "The links you asked for"
    # The envelope every discreet email has: the neutral sender name, no program name.
    program = runtime.programs.current()[1]
    assert str(links_email.message["From"]).startswith(program.discreet_envelope.sender_name)
    assert program.title not in links_email.text.split("\n\n")[0]


def test_a_links_request_left_behind_is_sent_by_the_sweep(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    sender, runtime.sender = runtime.sender, NullSender()  # as if its job was lost
    with runtime.unit_of_work() as uow:
        notices.receive_link_request(uow, runtime, ANA)
    runtime.sender = sender
    assert notices.process_waiting_link_requests(runtime) == 0  # too young to be lost
    clock.advance(notices.SWEEP_AFTER + timedelta(seconds=1))
    assert notices.process_waiting_link_requests(runtime) == 1
    send_due_now(runtime)
    assert smtp_sink.to(ANA)[-1].subject == "Your Reconnect links"


def test_beat_ends_timed_pauses_every_minute(runtime: Runtime) -> None:
    schedule = make_celery(runtime.settings).conf.beat_schedule
    assert schedule["end-pauses"]["task"] == "reconnect.end_pauses"
    assert schedule["end-pauses"]["schedule"] == 60.0

