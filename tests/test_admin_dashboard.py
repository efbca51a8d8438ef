"""The operators' dashboard at /admin: each program's funnel and average ratings as
charts with the same figures in tables, the queue's health, behind the admin token;
accessible, and usable on a 320 px phone."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from reconnect.models import PartnerStatus
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BASIC, BEARER, add_partner
from tests.support.browser import needs_axe, needs_chromium, serious_violations, shot
from tests.support.preview import Elements


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN})


@pytest.fixture
def partners(runtime: Runtime) -> None:
    add_partner(runtime, "p1@example.org", PartnerStatus.PENDING)
    for number, answer in enumerate(("2", "3", "5"), start=2):
        add_partner(runtime, f"p{number}@example.org", PartnerStatus.ACTIVE, sent=2,
                    ratings={"welcome": answer, "acknowledge": answer if number < 4 else "1"})
    add_partner(runtime, "p9@example.org", PartnerStatus.ACTIVE, sent=3,
                ratings={"acknowledge": "4", "share-without-blame": "4"})


def _cells(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, re.S)]


def test_the_dashboard_shows_the_funnel_ratings_and_queue(
        client: TestClient, partners: None) -> None:
    response = client.get("/admin", headers=BASIC)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    cells = _cells(html)
    for label, count in (("Signed up", "5"), ("Confirmed", "4"),
                         ("Step 1: Welcome to Reconnect", "4")):
        assert cells[cells.index(label) + 1] == count, label
    assert html.count('role="img"') == 4  # funnel and ratings for each of two programs
    assert "/admin/program" in Elements(html).hrefs
    assert "Averages over fewer than 3 answers are hidden" in html
    # welcome: three answers (2, 3, 5); acknowledge: four; step 3: one, so hidden.
    welcome = next(c for c in cells if c.startswith("Step 1: ") and "?" in c)
    assert cells[cells.index(welcome) + 1:cells.index(welcome) + 3] == ["3", "3.33"]
    assert "hidden" in cells
    assert "Dispatch lag" in html
    assert "a private note" not in html
    assert "p1@example.org" not in html


def test_the_dashboard_asks_a_browser_for_the_token(client: TestClient,
                                                    runtime: Runtime) -> None:
    refused = client.get("/admin")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="Reconnect admin"'
    assert "Please sign in" in refused.text
    runtime.settings = runtime.settings.model_copy(update={"admin_token": None})
    assert client.get("/admin", headers=BEARER).status_code == 404


def test_the_dashboard_of_an_empty_program_draws_empty_bars(client: TestClient) -> None:
    response = client.get("/admin", headers=BEARER)
    assert response.status_code == 200
    assert 'width="0"' in response.text
    assert "–" in _cells(response.text)  # no share of zero sign-ups


@needs_chromium
@needs_axe
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_dashboard_is_accessible_and_fits_a_small_phone(
        page: Page, partners: None, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.set_extra_http_headers(BEARER)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Program dashboard")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("How far partners got")).first) \
        .to_be_visible()
    for summary in page.locator("summary").all():  # the tables are the charts' figures
        summary.click()
    expect(page.get_by_role("table").first).to_be_visible()
    shot(page, f"admin-dashboard-320px-{scheme}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
