"""The privacy page, and the small things a real browser shows: zones, errors, counts,
the 404 page, the favicon and compression."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.views import plural
from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from reconnect.timezones import canonical_zones, zone_choices
from tests.support.flows import first_stage_email
from tests.support.smtp import SmtpSink


def test_the_privacy_page_names_the_operator_from_the_settings(
        client: TestClient, settings: Settings) -> None:
    response = client.get("/privacy")
    assert response.status_code == 200
    for fact in (settings.operator_name, settings.operator_contact, settings.postal_address,
                 f"{settings.backup_retention_days} days",
                 f"{settings.unsubscribe_token_days} days"):
        assert fact in response.text


def test_the_privacy_page_says_notes_are_never_shown_to_the_partner(
        client: TestClient) -> None:
    text = client.get("/privacy").text
    assert "Your partner never sees them" in text
    assert "you have both chosen to share it" in text


def test_the_signup_page_links_to_the_privacy_page_beside_the_form(
        client: TestClient) -> None:
    assert 'id="privacy-note"' in client.get("/").text


def test_every_page_footer_links_to_the_privacy_page(client: TestClient) -> None:
    for path in ("/", "/help", "/privacy", "/no-such-page", "/preferences/not-a-link"):
        assert '<a href="/privacy">' in client.get(path).text, path


def test_every_stage_email_links_to_the_privacy_page(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    assert "Privacy: http://testserver/privacy" in message.text
    assert 'href="http://testserver/privacy"' in message.html


def test_an_unknown_address_gets_a_friendly_page_not_the_frameworks_words(
        client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "Not Found" not in response.text


def test_pages_name_a_favicon_and_the_root_one_leads_to_it(client: TestClient) -> None:
    assert 'rel="icon" href="/static/favicon.svg?v=' in client.get("/").text
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_text_answers_are_compressed_when_the_browser_accepts_it(client: TestClient) -> None:
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    # httpx decodes the body; the raw size on the wire is what the header reports.
    assert len(gzip.compress(plain.content)) < len(plain.content) / 3
    assert response.text == plain.text


def test_the_zone_list_hides_aliases() -> None:
    zones = canonical_zones()
    assert {"Asia/Kolkata", "Europe/Lisbon"} <= set(zones)
    assert not {"Asia/Calcutta", "US/Eastern"} & set(zones)
    assert len(zones) < 420


def test_each_zone_shows_its_current_offset_across_daylight_saving() -> None:
    winter = {c.name: c.label for c in zone_choices(datetime(2026, 1, 15, tzinfo=UTC))}
    summer = {c.name: c.label for c in zone_choices(datetime(2026, 7, 15, tzinfo=UTC))}
    assert winter["Europe/Berlin"] == "Europe/Berlin (UTC+01:00)"
    assert summer["Europe/Berlin"] == "Europe/Berlin (UTC+02:00)"
    assert winter["America/St_Johns"] == "America/St Johns (UTC-03:30)"


def test_a_stored_alias_is_still_offered_to_its_owner() -> None:
    names = [c.name for c in zone_choices(datetime(2026, 1, 15, tzinfo=UTC), "US/Eastern")]
    assert "US/Eastern" in names


def test_the_signup_page_asks_the_browser_for_its_zone_only_on_a_fresh_form(
        client: TestClient) -> None:
    assert "data-suggest-zone" in client.get("/").text
    failed = client.post("/", data={"first_name": "Ana", "email": "nope"})
    assert "data-suggest-zone" not in failed.text


def test_signup_errors_are_listed_one_by_one_in_the_order_of_the_fields(
        client: TestClient) -> None:
    response = client.post("/", data={"first_name": "", "email": "not an address",
                                      "timezone": "Europe/London", "send_hour": "8"})
    assert response.status_code == 422
    assert "2 things need attention" in response.text
    first = response.text.index('<li><a href="#first_name">')
    second = response.text.index('<li><a href="#email">')
    assert first < second


def test_counts_read_as_sentences() -> None:
    assert [plural(n, "reflection") for n in (0, 1, 4)] == [
        "no reflections", "1 reflection", "4 reflections"]
