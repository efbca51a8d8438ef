"""The preference centre in every state: what it says, what it offers, and what each
action really does; timed pauses end by themselves; a new address is confirmed from
itself; stopping offers a pause instead, a reason counted without a name, and undo."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.calendar import step_name
from reconnect.models import DeliveryKind, DeliveryStatus, PartnerStatus
from reconnect.partners.notice_repository import LeavingReasons
from reconnect.partners.preferences import end_due_pauses
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    deliveries,
    enrol,
    first_stage_email,
    partner,
    row_counts,
    send_due_now,
)
from tests.support.links import links, path_of, preferences_path, unsubscribe_path
from tests.support.smtp import Received, SmtpSink

S = DeliveryStatus
NEW = "ana.new@example.org"


@pytest.fixture
def first(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
          clock: ManualClock) -> Received:
    return first_stage_email(client, runtime, smtp_sink, clock)


@pytest.fixture
def link(first: Received) -> str:
    return preferences_path(first)


def _waiting(runtime: Runtime) -> list[tuple[str, DeliveryStatus]]:
    return [(d.key, d.status) for d in deliveries(runtime, ANA)
            if d.kind is DeliveryKind.STAGE and d.status in (S.SCHEDULED, S.HELD)]


def test_the_page_shows_the_latest_step_and_the_next_emails_local_time(
        client: TestClient, runtime: Runtime, link: str) -> None:
    text = client.get(link).text
    stages = runtime.programs.current()[1].stages
    # Each step by its one name, as everywhere else (the welcome by its title alone).
    assert f"{step_name(stages[0])} (of {len(stages)})" in text
    [waiting] = [d for d in deliveries(runtime, ANA) if d.status is S.SCHEDULED]
    local = waiting.due_at.astimezone(ZoneInfo("America/New_York"))
    assert f"at {local:%H:%M} (America/New_York)" in text
    assert f"{step_name(stages[1])}</strong>" in text


def test_pausing_for_two_weeks_says_until_when_and_holds_the_email(
        client: TestClient, runtime: Runtime, link: str) -> None:
    response = client.post(link, data={"action": "pause", "weeks": "2"})
    assert response.status_code == 200
    assert "Your emails are paused until" in response.text
    assert "start again by themselves" in response.text
    assert [s for _, s in _waiting(runtime)] == [S.HELD]
    assert partner(runtime, ANA).pause_until is not None


def test_a_timed_pause_ends_by_itself_when_its_time_has_come(
        client: TestClient, runtime: Runtime, clock: ManualClock, link: str) -> None:
    client.post(link, data={"action": "pause", "weeks": "1"})
    clock.advance(timedelta(days=6))
    assert end_due_pauses(runtime) == 0
    assert [s for _, s in _waiting(runtime)] == [S.HELD]
    clock.advance(timedelta(days=1, minutes=1))
    assert end_due_pauses(runtime) == 1
    assert [s for _, s in _waiting(runtime)] == [S.SCHEDULED]
    assert partner(runtime, ANA).paused_at is None
    [waiting] = [d for d in deliveries(runtime, ANA) if d.status is S.SCHEDULED]
    assert waiting.due_at > clock.now()


def test_resuming_early_clears_the_timed_pause(
        client: TestClient, runtime: Runtime, link: str) -> None:
    client.post(link, data={"action": "pause", "weeks": "4"})
    resumed = client.post(link, data={"action": "resume"})
    assert "Your emails are on again" in resumed.text
    assert "Your next email arrives on" in resumed.text
    assert partner(runtime, ANA).pause_until is None


def test_pausing_until_resumed_sets_no_end(
        client: TestClient, runtime: Runtime, link: str) -> None:
    response = client.post(link, data={"action": "pause", "weeks": ""})
    assert "paused until you resume them" in response.text
    assert partner(runtime, ANA).pause_until is None
    assert partner(runtime, ANA).paused_at is not None


def test_an_unknown_pause_length_is_refused_and_nothing_changes(
        client: TestClient, runtime: Runtime, link: str) -> None:
    response = client.post(link, data={"action": "pause", "weeks": "52"})
    assert response.status_code == 422
    assert 'id="weeks-error"' in response.text
    assert partner(runtime, ANA).paused_at is None


def test_saving_the_schedule_says_exactly_what_was_saved(
        client: TestClient, link: str) -> None:
    response = client.post(link, data={"action": "schedule", "send_hour": "21",
                                       "timezone": "Europe/Berlin",
                                       "quiet_days": ["6", "7"], "nudges": "yes"})
    assert ("Saved: your emails come at 21:00 (Europe/Berlin), none on Saturday and "
            "Sunday, reminders on.") in response.text


def test_a_stopped_person_is_offered_only_undo_and_their_data(
        client: TestClient, first: Received, link: str) -> None:
    client.post(unsubscribe_path(first))
    text = client.get(link).text
    assert "Stopped: nothing more is sent to you" in text
    assert "Undo: continue where I stopped" in text
    for gone in ("Pause my emails", "Save these choices", "Stop all my Reconnect emails",
                 "Move my emails to a new address"):
        assert gone not in text


def test_undo_from_the_preferences_page_continues_where_they_stopped(
        client: TestClient, runtime: Runtime, first: Received, link: str) -> None:
    client.post(unsubscribe_path(first))
    response = client.post(link, data={"action": "continue"})
    assert "You continue where you stopped" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE
    assert [s for _, s in _waiting(runtime)] == [S.SCHEDULED]


def test_after_thirty_days_undo_is_no_longer_offered_and_signing_up_again_is(
        client: TestClient, clock: ManualClock, first: Received, link: str) -> None:
    client.post(unsubscribe_path(first))
    clock.advance(timedelta(days=31))
    text = client.get(link).text
    assert "Undo" not in text
    assert "sign up again" in text
    refused = client.post(link, data={"action": "continue"})
    assert refused.status_code == 409


def test_a_finished_program_offers_starting_again_and_no_schedule(
        client: TestClient, runtime: Runtime, link: str) -> None:
    with runtime.unit_of_work() as uow:
        found = uow.session.get(type(partner(runtime, ANA)), partner(runtime, ANA).id)
        assert found is not None
        found.status = PartnerStatus.COMPLETED
    text = client.get(link).text
    assert "Finished" in text
    assert "Start again from the beginning" in text
    assert "Pause my emails" not in text


def test_the_unsubscribe_page_offers_a_pause_instead(
        client: TestClient, runtime: Runtime, first: Received) -> None:
    path = unsubscribe_path(first)
    assert "Pause instead" in client.get(path).text
    response = client.post(f"{path}/pause", data={"weeks": "2"})
    assert "Your emails are paused" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE
    assert partner(runtime, ANA).pause_until is not None


def test_a_reason_for_stopping_is_counted_and_names_no_one(
        client: TestClient, runtime: Runtime, first: Received) -> None:
    client.post(unsubscribe_path(first), data={"reason": "too-many"})
    with runtime.read_session() as session:
        assert LeavingReasons(session).all() == {"too-many": 1}


def test_a_repeated_stop_counts_its_reason_once(
        client: TestClient, runtime: Runtime, first: Received) -> None:
    client.post(unsubscribe_path(first), data={"reason": "not-now"})
    client.post(unsubscribe_path(first), data={"reason": "not-now"})
    with runtime.read_session() as session:
        assert LeavingReasons(session).all() == {"not-now": 1}


def test_one_click_unsubscribe_still_works_without_a_reason(
        client: TestClient, runtime: Runtime, first: Received) -> None:
    response = client.post(unsubscribe_path(first),
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_undo_right_after_stopping_brings_the_emails_back(
        client: TestClient, runtime: Runtime, first: Received) -> None:
    path = unsubscribe_path(first)
    assert "Undo" in client.post(path).text
    response = client.post(f"{path}/undo")
    assert "Welcome back" in response.text
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE


def test_undo_is_refused_after_thirty_days(
        client: TestClient, runtime: Runtime, clock: ManualClock, first: Received) -> None:
    path = unsubscribe_path(first)
    client.post(path)
    clock.advance(timedelta(days=31))
    response = client.post(f"{path}/undo")
    assert response.status_code == 409
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def _change_address(client: TestClient, runtime: Runtime, sink: SmtpSink, link: str,
                    new: str = NEW) -> tuple[str, list[Received]]:
    before = len(sink.messages)
    response = client.post(link, data={"action": "change_email", "new_email": new})
    assert response.status_code == 200
    send_due_now(runtime)
    return response.text, sink.messages[before:]


def test_a_new_address_is_confirmed_from_itself_and_the_old_one_is_told(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, link: str) -> None:
    text, sent = _change_address(client, runtime, smtp_sink, link)
    assert f"We sent a link to {NEW}" in text
    assert sorted(m.to for m in sent) == sorted([ANA, NEW])
    [told] = [m for m in sent if m.to == ANA]
    assert "a***@example.org" in told.text
    assert partner(runtime, ANA).pending_email == NEW
    [confirm] = [m for m in sent if m.to == NEW]
    path = next(path_of(u) for u in links(confirm) if "/address/" in u)
    assert NEW in client.get(path).text
    assert partner(runtime, ANA).pending_email == NEW  # the page wrote nothing
    assert "Your address is changed" in client.post(path).text
    assert partner(runtime, NEW).pending_email is None


def test_an_address_link_works_once(client: TestClient, runtime: Runtime,
                                    smtp_sink: SmtpSink, link: str) -> None:
    _, sent = _change_address(client, runtime, smtp_sink, link)
    [confirm] = [m for m in sent if m.to == NEW]
    path = next(path_of(u) for u in links(confirm) if "/address/" in u)
    client.post(path)
    assert client.post(path).status_code == 410


def test_a_cancelled_change_makes_the_link_void(client: TestClient, runtime: Runtime,
                                                smtp_sink: SmtpSink, link: str) -> None:
    _, sent = _change_address(client, runtime, smtp_sink, link)
    [confirm] = [m for m in sent if m.to == NEW]
    path = next(path_of(u) for u in links(confirm) if "/address/" in u)
    assert "cancelled" in client.post(link, data={"action": "cancel_email_change"}).text
    assert client.post(path).status_code == 410
    assert partner(runtime, ANA).email == ANA


def test_a_new_address_that_is_someone_elses_answers_the_same_and_changes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, link: str) -> None:
    enrol(client, runtime, smtp_sink, BEN)
    free, _ = _change_address(client, runtime, smtp_sink, link, "free@example.org")
    taken, sent = _change_address(client, runtime, smtp_sink, link, BEN)
    assert free.replace("free@example.org", "X").replace("f***@", "x***@") == \
        taken.replace(BEN, "X").replace("b***@", "x***@")
    [confirm] = [m for m in sent if m.to == BEN]
    path = next(path_of(u) for u in links(confirm) if "/address/" in u)
    assert client.post(path).status_code == 409
    assert partner(runtime, ANA).email == ANA


def test_a_malformed_new_address_is_refused_beside_its_field(
        client: TestClient, runtime: Runtime, link: str) -> None:
    before = row_counts(runtime)
    response = client.post(link, data={"action": "change_email", "new_email": "nope"})
    assert response.status_code == 422
    assert 'id="new_email-error"' in response.text
    assert row_counts(runtime) == before


def test_the_help_page_never_tells_a_stopped_person_their_emails_are_paused(
        client: TestClient, first: Received, link: str) -> None:
    client.post(unsubscribe_path(first))
    response = client.post(link.replace("/preferences/", "/help/"))
    assert response.status_code == 200
    assert "emails are paused" not in response.text
