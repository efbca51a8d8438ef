"""Walking the way back in real headless Chromium, on a 375 px phone and on a desktop
screen: rejoining, "email me my links", a change of address, a timed pause that ends by
itself, a past step's email, and the privacy page; no page logs a console error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize, expect

from api.main import create_app
from reconnect.clock import ManualClock
from reconnect.models import PartnerStatus
from reconnect.partners.preferences import end_due_pauses
from reconnect.runtime import Runtime
from tests.support.browser import needs_chromium, shot
from tests.support.flows import ANA, first_stage_email, partner, send_due_now
from tests.support.links import (
    journey_path,
    links,
    path_of,
    preferences_path,
    unsubscribe_path,
)
from tests.support.server import serve
from tests.support.smtp import SmtpSink

pytestmark = needs_chromium

SCREENS: dict[str, ViewportSize] = {"phone": {"width": 375, "height": 740},
                                    "desktop": {"width": 1280, "height": 800}}
NEW = "ana.new@example.org"


@pytest.fixture(params=list(SCREENS))
def tab(request: pytest.FixtureRequest, browser: Browser,
        runtime: Runtime) -> Iterator[Page]:
    """A browser tab at each screen size; fails the test if any page logs an error. A
    page answered with a deliberate 4xx (a form shown again with its problems) is
    reported by Chromium as a failed load of that page itself: not counted, while any
    failing file a page loads (a missing favicon, a script) is."""
    errors: list[tuple[str, str]] = []
    documents: set[str] = set()
    with serve(create_app(runtime)) as base:
        context = browser.new_context(base_url=base, viewport=SCREENS[request.param])
        page = context.new_page()
        page.on("response", lambda r: documents.add(r.url)
                if r.request.resource_type == "document" else None)
        page.on("console", lambda m: errors.append((m.text, m.location.get("url", "")))
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append((str(e), "")))
        yield page
        context.close()
    assert [text for text, url in errors if url not in documents] == []


def _fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 375
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _name(page: Page) -> str:
    return "phone" if page.viewport_size and page.viewport_size["width"] < 500 else "desktop"


def test_someone_who_stopped_signs_up_again_and_continues(
        tab: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    client.post(unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock)))
    tab.goto("/")
    tab.get_by_label("Your first name").fill("Ana")
    tab.get_by_label("Your email address").fill(ANA)
    tab.get_by_role("button", name="Start the program").click()
    expect(tab.get_by_role("heading", name="Check your inbox")).to_be_visible()
    send_due_now(runtime)
    welcome = smtp_sink.to(ANA)[-1]
    assert welcome.subject == "Welcome back to Reconnect"
    tab.goto(next(path_of(u) for u in links(welcome) if "/rejoin/" in u))
    shot(tab, f"rejoin-{_name(tab)}")
    _fits(tab)
    tab.get_by_role("button", name="Continue with").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Welcome back, Ana")
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE


def test_someone_who_lost_their_emails_has_their_links_sent(
        tab: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    tab.goto("/")
    tab.get_by_role("link", name="Email me my links").click()
    shot(tab, f"my-link-{_name(tab)}")
    _fits(tab)
    tab.get_by_label("Your email address").fill(ANA)
    tab.get_by_role("button", name="Email me my links").click()
    expect(tab.get_by_role("heading", name="Check your inbox")).to_be_visible()
    send_due_now(runtime)
    message = smtp_sink.to(ANA)[-1]
    tab.goto(next(path_of(u) for u in links(message) if "/preferences/" in u))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Your Reconnect emails")


def test_a_mistyped_address_on_the_links_page_gets_focus_and_a_message(
        tab: Page) -> None:
    tab.goto("/my-link")
    tab.get_by_label("Your email address").fill("not an address")
    tab.get_by_role("button", name="Email me my links").click()
    expect(tab.locator("#email-error")).to_be_visible()
    expect(tab.locator("#email")).to_be_focused()


def test_a_person_moves_their_emails_to_a_new_address(
        tab: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    tab.goto(preferences_path(first_stage_email(client, runtime, smtp_sink, clock)))
    tab.get_by_label("Move my emails to a new address").fill(NEW)
    tab.get_by_role("button", name="Send the link").click()
    expect(tab.get_by_role("status")).to_contain_text(f"We sent a link to {NEW}")
    shot(tab, f"preferences-address-{_name(tab)}")
    _fits(tab)
    send_due_now(runtime)
    confirm = smtp_sink.to(NEW)[-1]
    tab.goto(next(path_of(u) for u in links(confirm) if "/address/" in u))
    tab.get_by_role("button", name="Yes, use this address").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Your address is changed")
    assert partner(runtime, NEW).first_name == "Ana"


def test_a_two_week_pause_ends_by_itself(
        tab: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    path = preferences_path(first_stage_email(client, runtime, smtp_sink, clock))
    tab.goto(path)
    tab.get_by_label("2 weeks").check()
    tab.get_by_role("button", name="Pause my emails").click()
    expect(tab.get_by_role("status")).to_contain_text("paused until")
    expect(tab.locator("#state")).to_contain_text("then they start again by themselves")
    shot(tab, f"preferences-paused-{_name(tab)}")
    _fits(tab)
    clock.advance(timedelta(weeks=2, minutes=1))
    assert end_due_pauses(runtime) == 1
    tab.goto(path)
    expect(tab.locator("#state")).to_have_text("On")
    expect(tab.locator("#next-email")).to_be_visible()


def test_a_past_step_reads_again_from_the_journey(
        tab: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    tab.goto(journey_path(first_stage_email(client, runtime, smtp_sink, clock)))
    tab.get_by_role("link", name="Read this step's email again").click()
    stage = runtime.programs.current()[1].stages[0]
    expect(tab).to_have_title(stage.subject)
    shot(tab, f"archive-{_name(tab)}")
    _fits(tab)


def test_the_privacy_page_is_reached_from_the_signup_page(tab: Page) -> None:
    tab.goto("/")
    tab.get_by_role("link", name="What we keep and who sees it", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Privacy, in plain words")
    shot(tab, f"privacy-{_name(tab)}")
    _fits(tab)


def test_the_signup_form_focuses_the_first_problem_after_a_failed_submit(
        tab: Page) -> None:
    tab.goto("/")
    tab.get_by_label("Your email address").fill("not an address")
    tab.get_by_role("button", name="Start the program").click()
    expect(tab.locator("#first_name")).to_be_focused()
    expect(tab.locator(".error-summary li")).to_have_count(2)


def test_the_signup_page_suggests_the_browsers_own_zone(
        browser: Browser, runtime: Runtime) -> None:
    with serve(create_app(runtime)) as base:
        context = browser.new_context(base_url=base, timezone_id="Asia/Tokyo",
                                      viewport=SCREENS["phone"])
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#timezone")).to_have_value("Asia/Tokyo")
        expect(page.locator("#timezone option:checked")).to_have_text(
            "Asia/Tokyo (UTC+09:00)")
        context.close()


def test_an_invited_partner_is_offered_their_own_zone_not_the_inviters(
        browser: Browser, client: TestClient, runtime: Runtime,
        smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json={"email": ANA, "first_name": "Ana",
                                         "timezone": "America/New_York", "send_hour": 7,
                                         "partner_email": "ben@example.org",
                                         "partner_first_name": "Ben"})
    send_due_now(runtime)
    invitation = smtp_sink.to("ben@example.org")[-1]
    with serve(create_app(runtime)) as base:
        context = browser.new_context(base_url=base, timezone_id="Europe/Dublin",
                                      viewport=SCREENS["phone"])
        page = context.new_page()
        page.goto(next(path_of(u) for u in links(invitation) if "/confirm/" in u))
        expect(page.locator("#timezone")).to_have_value("Europe/Dublin")
        context.close()


def test_the_reminder_choice_keeps_the_cards_width_on_a_phone(
        tab: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    tab.goto(preferences_path(first_stage_email(client, runtime, smtp_sink, clock)))
    # The discreet-emails checkbox is a label.check too.
    label = tab.locator("label.check", has_text="Remind me once")
    card = tab.locator(".card")
    label_box, card_box = label.bounding_box(), card.bounding_box()
    assert label_box is not None
    assert card_box is not None
    # The words use the card's width (less its padding), not a narrow column.
    assert label_box["width"] > card_box["width"] * 0.75
    assert label_box["height"] < 160
