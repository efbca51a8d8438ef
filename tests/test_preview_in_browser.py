"""The preview gallery in real headless Chromium: opened from disk with no server, and
served by the web app behind the admin token, where an edit shows by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api.main import create_app
from reconnect.editor.preview_gallery import write_gallery
from reconnect.program.loader import load_program_dir
from reconnect.runtime import Runtime
from reconnect.settings import PROJECT_ROOT, Environment, Settings
from tests.support.browser import needs_axe, needs_chromium, serious_violations, shot
from tests.support.preview import ADMIN_TOKEN, copy_program
from tests.support.server import serve

pytestmark = needs_chromium

MAIN = load_program_dir(PROJECT_ROOT / "program" / "main")
SUPPORT_BLOCK = "If last week felt far apart"
DESKTOP = "The email at desktop width: Sam, who invited their partner; Alex has joined"
PHONE = "The email at phone width: Sam, who invited their partner; Alex has joined"


@pytest.fixture
def gallery(tmp_path: Path) -> Path:
    settings = Settings(_env_file=None, env=Environment.TEST)
    return write_gallery(MAIN, tmp_path / "gallery", settings=settings)[0]


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_the_gallery_opens_from_disk_and_its_links_lead_through_the_program(
        tab: Page, gallery: Path) -> None:
    first, second, third = MAIN.stages[:3]
    tab.goto(gallery.as_uri())
    expect(tab.get_by_role("heading", level=1)).to_have_text(MAIN.title)
    tab.get_by_role("link", name=second.title).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(second.title)
    assert tab.url.endswith(f"/{second.key}.html")
    for title in (DESKTOP, PHONE):
        email = tab.frame_locator(f'iframe[title^="{title}"]')
        expect(email.get_by_role("heading", name=second.title)).to_be_visible()
    shot(tab, "preview-stage-1280px")
    tab.get_by_role("link", name=f"Next: {third.title}").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(third.title)
    tab.get_by_role("link", name=f"Previous: {second.title}").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(second.title)
    tab.get_by_role("link", name=f"Previous: {first.title}").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(first.title)
    tab.get_by_role("link", name="All stages").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(MAIN.title)


def test_an_answer_button_in_a_previewed_email_opens_the_next_stage(
        tab: Page, gallery: Path) -> None:
    tab.goto(gallery.with_name("welcome.html").as_uri())
    email = tab.frame_locator(f'iframe[title^="{DESKTOP}"]')
    email.get_by_role("link", name="1", exact=True).first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(MAIN.stages[1].title)


def test_the_gallery_shows_the_support_block_version(tab: Page, gallery: Path) -> None:
    tab.goto(gallery.with_name("acknowledge.html").as_uri())
    tab.get_by_role("link", name="1 (Very distant) or 2").click()
    version = tab.get_by_role("region", name="1 (Very distant) or 2")
    frame = version.frame_locator("iframe").first
    expect(frame.get_by_role("heading", name=SUPPORT_BLOCK)).to_be_visible()
    expect(tab.frame_locator(f'iframe[title^="{DESKTOP}"]').get_by_role(
        "heading", name=SUPPORT_BLOCK)).to_have_count(0)


def test_gallery_pages_fit_a_phone(browser: Browser, gallery: Path) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    phone = context.new_page()
    for name in ("index.html", "acknowledge.html", "other-emails.html"):
        phone.goto(gallery.with_name(name).as_uri())
        assert phone.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    shot(phone, "preview-stage-375px")
    context.close()


@needs_axe
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["index.html", "acknowledge.html", "other-emails.html"])
def test_gallery_pages_have_no_serious_accessibility_problems(
        tab: Page, gallery: Path, name: str, scheme: str) -> None:
    tab.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    tab.goto(gallery.with_name(name).as_uri())
    assert serious_violations(tab) == []


# Served by the web app ----------------------------------------------------------------

@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    root = tmp_path / "served"
    copy_program(root)
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN, "program_dir": root})


@pytest.fixture
def editor(browser: Browser, runtime: Runtime) -> Iterator[Page]:
    """A phone-sized tab signed in as an editor (HTTP Basic, any user name)."""
    with serve(create_app(runtime)) as base:
        context = browser.new_context(
            base_url=base, viewport={"width": 375, "height": 740},
            http_credentials={"username": "editor", "password": ADMIN_TOKEN})
        yield context.new_page()
        context.close()


def test_an_editor_chooses_previous_answers_with_the_form(editor: Page) -> None:
    editor.goto("/admin/program/main/acknowledge")
    question = editor.get_by_role(
        "combobox", name="How connected did you feel to your partner this past week?")
    for answer, shown in (("1 (Very distant)", 1), ("5 (Very close)", 0)):
        question.select_option(label=answer)
        editor.get_by_role("button", name="Show this email").click()
        expect(question).to_have_value(answer[0])
        email = editor.frame_locator(f'iframe[title^="{DESKTOP.split(":")[0]}"]')
        expect(email.get_by_role("heading", name=SUPPORT_BLOCK)).to_have_count(shown)
    shot(editor, "preview-served-375px")


def test_a_served_page_reloads_itself_after_an_edit_in_development(
        editor: Page, runtime: Runtime, settings: Settings) -> None:
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.DEVELOPMENT})
    editor.goto("/admin/program/main/welcome")
    expect(editor.get_by_role("heading", level=1)).to_have_text(MAIN.stages[0].title)
    stage = settings.program_dir / "main" / "stages" / "welcome.md"
    stage.write_text(stage.read_text().replace(f"title: {MAIN.stages[0].title}",
                                               "title: A brand new title", 1))
    expect(editor.get_by_role("heading", level=1)).to_have_text("A brand new title",
                                                                 timeout=10_000)
    stage.write_text(stage.read_text().replace("day: 0", "day: oops", 1))
    expect(editor.get_by_role("heading", level=1)).to_have_text(
        "This program has problems", timeout=10_000)
