"""The reflection page in real headless Chromium on a phone-sized screen: an answer link
opens unsaved, one tap saves it, and "Next question" leads on to the week's next open
question, which is saved with ticks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Reflection
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.browser import needs_chromium, shot
from tests.support.flows import ANA, enrol, send_due_now
from tests.support.links import reflect_paths
from tests.support.rich_program import rich_programs
from tests.support.smtp import SmtpSink

pytestmark = needs_chromium


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    return base_settings.model_copy(update={"program_dir": rich_programs(tmp_path / "p")})


def _answers(rt: Runtime) -> dict[str, str]:
    with rt.read_session() as session:
        return {r.prompt_key: r.answer for r in session.execute(select(Reflection)).scalars()}


def _week_one_link(client: TestClient, rt: Runtime, sink: SmtpSink, clock: ManualClock,
                   question: str) -> str:
    enrol(client, rt, sink, ANA)
    clock.advance(timedelta(days=1))
    send_due_now(rt)
    clock.advance(timedelta(days=7))
    send_due_now(rt)
    return next(p for p in reflect_paths(sink.to(ANA)[-1]) if f"/{question}?" in p)


def test_an_answer_link_opens_unsaved_saves_in_one_tap_and_leads_to_the_next_question(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    link = _week_one_link(client, runtime, smtp_sink, clock, "connection") \
        .replace("answer=1", "answer=4")
    page.goto(link)
    expect(page.get_by_text("Not saved yet.")).to_be_visible()
    expect(page.get_by_role("radio", name="4")).to_be_checked()
    top_save = page.locator("#save-state").get_by_role("button", name="Save my answer")
    expect(top_save).to_be_in_viewport()
    shot(page, "reflect-unsaved-375px")
    assert _answers(runtime) == {}
    top_save.click()
    expect(page.get_by_text("Saved.", exact=False).first).to_be_visible()
    expect(page.get_by_text("Not saved yet.")).to_have_count(0)
    assert _answers(runtime) == {"connection": "4"}
    page.get_by_role("link", name="Next question: Which of these did you notice").click()
    expect(page.get_by_role("heading", name="Which of these did you notice this week?")) \
        .to_be_visible()
    page.get_by_role("checkbox", name="Fewer talks").check()
    page.get_by_role("checkbox", name="More screens").check()
    page.get_by_role("button", name="Save my answer").last.click()
    expect(page.locator("#save-state")).to_contain_text("Saved.")
    shot(page, "reflect-next-saved-375px")
    assert _answers(runtime) == {"connection": "4", "noticed": "fewer-talks,more-screens"}
    expect(page.get_by_role("link", name="Next question: How does putting a name")) \
        .to_be_visible()


def test_a_worrying_answer_s_page_leaves_by_the_escape_key(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock, settings: Settings) -> None:
    link = _week_one_link(client, runtime, smtp_sink, clock, "naming-feels")
    page.goto(link.partition("?")[0])
    page.get_by_role("radio", name="I don't feel safe doing this").check()
    page.get_by_role("button", name="Save my answer").last.click()
    expect(page.get_by_role("link", name="Help and people to talk to, in confidence")
           ).to_be_visible()
    page.route("**/*", lambda route: route.fulfill(status=200, body="weather"))
    page.keyboard.press("Escape")
    page.wait_for_url(settings.quick_exit_url + "*")
