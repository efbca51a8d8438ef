"""The preferences page: pause, resume, when emails arrive, quiet days; GET writes nothing."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    deliveries,
    first_stage_email,
    partner,
    row_counts,
)
from tests.support.links import preferences_path
from tests.support.smtp import SmtpSink

S = DeliveryStatus


@pytest.fixture
def link(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
         clock: ManualClock) -> str:
    """Ana's preferences link, from the footer of her first stage email."""
    message = first_stage_email(client, runtime, smtp_sink, clock)
    return preferences_path(message)


def _waiting(runtime: Runtime) -> list[tuple[str, DeliveryStatus]]:
    return [(d.key, d.status) for d in deliveries(runtime, ANA)
            if d.kind is DeliveryKind.STAGE and d.status in (S.SCHEDULED, S.HELD)]


def test_every_stage_email_links_to_the_preferences_page(link: str) -> None:
    assert link.startswith("/preferences/")


def test_the_page_shows_the_current_choices_and_writes_nothing(
        client: TestClient, runtime: Runtime, link: str) -> None:
    before = row_counts(runtime), _waiting(runtime)
    response = client.get(link)
    assert response.status_code == 200
    assert "Pause my emails" in response.text
    assert '<option value="7" selected>07:00</option>' in response.text
    assert '<option value="America/New_York" selected>' in response.text
    assert (row_counts(runtime), _waiting(runtime)) == before


def test_pausing_holds_the_next_email_and_resuming_brings_it_back(
        client: TestClient, runtime: Runtime, link: str) -> None:
    paused = client.post(link, data={"action": "pause"})
    assert paused.status_code == 200
    assert "Resume my emails" in paused.text
    assert _waiting(runtime) == [("acknowledge", S.HELD)]
    resumed = client.post(link, data={"action": "resume"})
    assert "Pause my emails" in resumed.text
    assert _waiting(runtime) == [("acknowledge", S.SCHEDULED)]


def test_a_new_hour_zone_and_quiet_days_move_the_next_email(
        client: TestClient, runtime: Runtime, link: str) -> None:
    response = client.post(link, data={"action": "schedule", "send_hour": "21",
                                       "timezone": "Europe/Berlin",
                                       "quiet_days": ["6", "7"]})
    assert response.status_code == 200
    assert "Saved" in response.text
    saved = partner(runtime, ANA)
    assert (saved.send_hour, saved.timezone, saved.quiet_days) == (21, "Europe/Berlin", "6,7")
    [waiting] = [d for d in deliveries(runtime, ANA) if d.status is S.SCHEDULED]
    local = waiting.due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert local.hour == 21
    assert local.isoweekday() not in (6, 7)


@pytest.mark.parametrize(("data", "field"), [
    ({"send_hour": "25", "timezone": "Europe/Berlin"}, "send_hour"),
    ({"send_hour": "nine", "timezone": "Europe/Berlin"}, "send_hour"),
    ({"send_hour": "9", "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"send_hour": "9", "timezone": "Europe/Berlin",
      "quiet_days": ["1", "2", "3", "4", "5", "6", "7"]}, "quiet_days"),
    ({"send_hour": "9", "timezone": "Europe/Berlin", "quiet_days": ["8"]}, "quiet_days"),
])
def test_bad_choices_are_explained_beside_the_field_and_change_nothing(
        client: TestClient, runtime: Runtime, link: str, data: dict[str, object],
        field: str) -> None:
    before = partner(runtime, ANA), _waiting(runtime)
    response = client.post(link, data={"action": "schedule", **data})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    after = partner(runtime, ANA)
    assert (after.send_hour, after.timezone, after.quiet_days) == \
        (before[0].send_hour, before[0].timezone, before[0].quiet_days)
    assert _waiting(runtime) == before[1]


def test_an_unknown_action_gets_a_clear_message(client: TestClient, link: str) -> None:
    response = client.post(link, data={"action": "explode"})
    assert response.status_code == 422
    assert "choose one of the buttons" in response.text


def test_a_tampered_link_gets_a_friendly_page_and_changes_nothing(
        client: TestClient, runtime: Runtime, link: str) -> None:
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 400
    assert client.post(tampered, data={"action": "pause"}).status_code == 400
    assert partner(runtime, ANA).paused_at is None


def test_after_unsubscribing_there_is_nothing_to_change(
        client: TestClient, runtime: Runtime, link: str) -> None:
    page = client.get(link).text
    unsubscribe = page.split('href="/unsubscribe/')[1].split('"')[0]
    assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
    response = client.post(link, data={"action": "resume"})
    assert response.status_code == 409
    assert "nothing to change" in response.text.lower()


def test_the_page_names_the_next_step_as_everywhere_else(
        client: TestClient, runtime: Runtime, link: str) -> None:
    second = runtime.programs.current()[1].stages[1]
    assert f"Your next step: <strong>Week {second.day // 7} · {second.title}</strong>" \
        in client.get(link).text


def test_discreet_emails_can_be_turned_on_and_off(
        client: TestClient, runtime: Runtime, link: str) -> None:
    assert client.post(link, data={"action": "discreet", "discreet": "yes"}).status_code == 200
    assert partner(runtime, ANA).discreet
    assert client.post(link, data={"action": "discreet"}).status_code == 200
    assert not partner(runtime, ANA).discreet
