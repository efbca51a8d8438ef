"""Every page couples see, checked by axe-core in headless Chromium: no serious or
critical WCAG 2.1 A/AA problem, in light and in dark mode, with a screenshot of each;
and each fits a 320 px phone without sideways scrolling, in under 100 KB of HTML."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.browser import needs_axe, needs_chromium, serious_violations, shot
from tests.support.flows import ANA, first_stage_email, send_due_now, signup_body
from tests.support.links import confirm_path, help_path, preferences_path, reflect_paths
from tests.support.smtp import SmtpSink

pytestmark = [needs_chromium, needs_axe]


def _stage_email_links(client: TestClient, runtime: Runtime, sink: SmtpSink,
                       clock: ManualClock) -> dict[str, str]:
    message = first_stage_email(client, runtime, sink, clock)
    preferences = preferences_path(message)
    return {"reflect": reflect_paths(message)[0], "preferences": preferences,
            "journey": preferences.replace("/preferences/", "/journey/"),
            "help": help_path(message), "erase": f"{preferences}/erase",
            "unsubscribe": "/unsubscribe/" + message.message["List-Unsubscribe"]
            .split("/unsubscribe/")[1].rstrip(">")}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["signup", "signup-errors", "link-problem"])
def test_public_pages_have_no_serious_accessibility_problems(
        page: Page, name: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    if name == "signup-errors":
        page.goto("/")
        page.locator("#email").fill("not an address")
        page.locator("#first_name").fill("Ana")
        page.locator("form button[type=submit]").click()
        page.wait_for_selector("#email-error")
    elif name == "link-problem":
        page.goto("/preferences/not-a-real-link")
    else:
        page.goto("/")
    shot(page, f"a11y-{name}-{scheme}")
    _fits_small_phones_and_is_light(page)
    assert serious_violations(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["confirm", "reflect", "preferences", "journey", "help",
                                  "erase", "unsubscribe"])
def test_pages_from_emails_have_no_serious_accessibility_problems(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock, name: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    if name == "confirm":
        client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                        partner_first_name=None))
        send_due_now(runtime)
        page.goto(confirm_path(smtp_sink.to(ANA)[-1]))
    else:
        links = _stage_email_links(client, runtime, smtp_sink, clock)
        if name == "journey":  # with an answer, so the chart is drawn too
            rate = links["reflect"].split("?")[0]
            assert client.post(rate, data={"answer": "3"}).status_code == 200
        page.goto(links[name])
    shot(page, f"a11y-{name}-{scheme}")
    _fits_small_phones_and_is_light(page)
    assert serious_violations(page) == []


def _fits_small_phones_and_is_light(page: Page) -> None:
    """No sideways scrolling on a 320 px phone, and under 100 KB of HTML (measured
    before axe-core is injected)."""
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert len(page.content().encode()) < 100_000


def test_the_checker_itself_reports_a_known_problem(page: Page) -> None:
    page.set_content('<html lang="en"><head><title>T</title></head>'
                     '<body><main><input type="text"></main></body></html>')
    assert [v["id"] for v in serious_violations(page)] == ["label"]
