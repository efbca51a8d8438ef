"""The pages for finding the way back, checked by axe-core in headless Chromium as
tests/test_accessibility.py checks the others: no serious or critical WCAG 2.1 A/AA
problem in light and dark mode, and each fits a 320 px phone in under 100 KB."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.browser import needs_axe, needs_chromium, serious_violations, shot
from tests.support.flows import ANA, first_stage_email, send_due_now
from tests.support.links import links, path_of, preferences_path, unsubscribe_path
from tests.support.smtp import SmtpSink

pytestmark = [needs_chromium, needs_axe]


def _path(name: str, client: TestClient, runtime: Runtime, sink: SmtpSink,
          clock: ManualClock) -> str:
    if name in ("privacy", "my-link"):
        return f"/{name}"
    message = first_stage_email(client, runtime, sink, clock)
    preferences = preferences_path(message)
    token = preferences.rsplit("/", 1)[1]
    if name == "my-data":
        return f"{preferences}/my-data"
    if name == "archive":
        return f"/archive/{token}/1"
    if name == "address":
        client.post(preferences, data={"action": "change_email",
                                       "new_email": "ana.new@example.org"})
        send_due_now(runtime)
        return next(path_of(u) for u in links(sink.to("ana.new@example.org")[-1])
                    if "/address/" in u)
    client.post(unsubscribe_path(message))
    if name == "preferences-stopped":
        return preferences
    if name == "unsubscribe-stopped":
        return unsubscribe_path(message)
    client.post("/", data={"first_name": "Ana", "email": ANA, "timezone": "Europe/London",
                           "send_hour": "8", "taking_part": "alone"})
    send_due_now(runtime)
    return next(path_of(u) for u in links(sink.to(ANA)[-1]) if "/rejoin/" in u)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["privacy", "my-link", "my-data", "archive", "address",
                                  "preferences-stopped", "unsubscribe-stopped", "rejoin"])
def test_way_back_pages_have_no_serious_accessibility_problems(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock, name: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.goto(_path(name, client, runtime, smtp_sink, clock))
    shot(page, f"a11y-{name}-{scheme}")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert len(page.content().encode()) < 100_000
    assert serious_violations(page) == []


def test_the_unsubscribe_page_with_its_alternatives_fits_and_passes(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    page.goto(unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock)))
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
