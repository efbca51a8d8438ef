"""The help page, to the standard of domestic-violence support sites: the person's own
region's numbers first, one tap to call or text, a neutral title, and a quick exit."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.helplines import REGIONS, region_of, regions_for
from reconnect.runtime import Runtime
from tests.support.flows import first_stage_email
from tests.support.links import help_path
from tests.support.smtp import SmtpSink


def _help(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
          timezone: str) -> str:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    path = help_path(message)
    preferences = path.replace("/help/", "/preferences/")
    client.post(preferences, data={"action": "schedule", "send_hour": "7",
                                   "timezone": timezone})
    return html.unescape(client.get(path).text)


@pytest.mark.parametrize(("timezone", "first_line"), [
    ("America/New_York", "National Domestic Violence Hotline"),
    ("Europe/London", "National Domestic Abuse Helpline"),
    ("Europe/Dublin", "Women's Aid National Freephone Helpline"),
    ("America/Toronto", "9-8-8 Suicide Crisis Helpline"),
    ("Australia/Sydney", "1800RESPECT"),
    ("Pacific/Auckland", "Women's Refuge crisis line"),
    ("Europe/Berlin", "Helpline for victims of crime"),
])
def test_the_lines_of_the_persons_own_region_come_first(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        timezone: str, first_line: str) -> None:
    page = _help(client, runtime, smtp_sink, clock, timezone)
    assert page.index(first_line) < page.index("Lines in other places")


def test_every_number_is_one_tap_to_call_and_textable_ones_to_text(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = _help(client, runtime, smtp_sink, clock, "America/New_York")
    assert 'href="tel:911"' in page
    assert 'href="tel:+18007997233"' in page
    assert 'href="sms:988"' in page
    for region in REGIONS:
        assert f'href="{region.emergency.tel}"' in page


def test_where_the_region_is_not_known_the_page_names_the_common_numbers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = _help(client, runtime, smtp_sink, clock, "Asia/Tokyo")
    assert "Call your local emergency number" in page
    assert runtime.settings.safety_url in page


def test_the_title_in_the_tab_and_history_says_nothing_of_help(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = _help(client, runtime, smtp_sink, clock, "Europe/London")
    [title] = re.findall(r"<title>(.*?)</title>", page)
    assert title == "Notes"


def test_the_page_offers_a_quick_exit_to_an_everyday_site(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = _help(client, runtime, smtp_sink, clock, "Europe/London")
    assert f'id="quick-exit" class="quick-exit" href="{runtime.settings.quick_exit_url}"' \
        in page
    assert "quick-exit.js" in page


@pytest.mark.parametrize(("zone", "code"), [
    ("America/Phoenix", "US"), ("Pacific/Honolulu", "US"), ("America/St_Johns", "CA"),
    ("Europe/Lisbon", "EU"), ("Atlantic/Canary", "EU"), ("Europe/Belfast", None),
    ("Asia/Kolkata", None), ("Not/AZone", None),
])
def test_a_time_zone_names_its_region(zone: str, code: str | None) -> None:
    region = region_of(zone)
    assert (region.code if region else None) == code


def test_every_other_region_follows_the_own_one_once() -> None:
    own, others = regions_for("Europe/Dublin")
    assert own is not None
    assert own not in others
    assert len(others) == len(REGIONS) - 1


def test_anyone_can_reach_help_before_signing_up(client: TestClient) -> None:
    response = client.get("/help")
    assert response.status_code == 200
    assert "If you are in danger right now" in response.text
    assert "Pause my emails" not in response.text


def test_the_public_help_page_puts_the_browsers_region_first(client: TestClient) -> None:
    page = html.unescape(client.get("/help", params={"tz": "Australia/Perth"}).text)
    assert page.index("1800RESPECT") < page.index("Lines in other places")


def test_the_signup_page_asks_about_safety_before_any_invitation(client: TestClient) -> None:
    page = client.get("/").text
    assert page.index('href="/help"') < page.index('name="partner_email"')
    assert 'value="alone" checked' in page
