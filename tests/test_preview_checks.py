"""The preview gallery shows, beside every email, what the email checks found (the same
checks the test suite runs), a summary per page on the index, and a page of the emails
other than stages: confirmation, invitation and reminders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from reconnect.editor import preview_gallery
from reconnect.editor.preview import stage_views
from reconnect.editor.preview_emails import PAGE_KEY, OtherEmail, other_emails
from reconnect.editor.preview_gallery import (
    FileLinks,
    render_other_emails_page,
    write_gallery,
)
from reconnect.mail.checks import report as report_module
from reconnect.mail.checks.caniemail import SupportDataMissing
from reconnect.mail.checks.contrast import check_contrast
from reconnect.mail.checks.html_tree import parse_html
from reconnect.mail.render import RenderedEmail
from reconnect.program.loader import RESERVED_KEYS, load_program_dir
from reconnect.settings import PROJECT_ROOT, Environment, Settings
from tests.support.caniemail import caniemail_data
from tests.support.preview import ADMIN_TOKEN, BEARER, Elements, copy_program
from tests.support.program_files import edit, find_problem, problems_loading

SETTINGS = Settings(_env_file=None, env=Environment.TEST)
MAIN = load_program_dir(PROJECT_ROOT / "program" / "main")


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    caniemail_data()  # skips when it cannot be had: the gallery would show no support
    out = tmp_path_factory.mktemp("gallery")
    write_gallery(MAIN, out, settings=SETTINGS)
    return out


@pytest.fixture(autouse=True)
def _fresh_checks() -> Iterator[None]:
    preview_gallery._checked.cache_clear()
    yield
    preview_gallery._checked.cache_clear()


def test_each_version_of_a_stage_shows_its_checks_with_the_same_figures(
        gallery: Path) -> None:
    stage = MAIN.stages[1]
    html = (gallery / f"{stage.key}.html").read_text()
    views = stage_views(MAIN, stage, SETTINGS, FileLinks(MAIN).answer_link(stage))
    assert html.count('aria-label="Checks"') == len(views)
    assert html.count('Checks: <span class="pass">all pass</span>') == len(views)
    for view in views:
        for result in check_contrast(parse_html(view.email.html)).modes:
            assert result.lowest is not None
            assert f"{result.mode} {result.lowest.ratio:.1f}:1" in html
    assert "every feature works or has a fallback" in html
    assert "in 12 clients" in html


def test_the_index_sums_up_the_checks_of_every_page(gallery: Path) -> None:
    index = (gallery / "index.html").read_text()
    assert index.count('<span class="pass">checks pass') == len(MAIN.stages) + 1
    assert f'href="{PAGE_KEY}.html"' in index


def test_the_other_emails_page_shows_confirmation_invitation_discreet_and_each_reminder(
        gallery: Path) -> None:
    page = (gallery / f"{PAGE_KEY}.html").read_text()
    shared = [s for s in MAIN.stages if any(p.shared for p in s.prompts)]
    titles = [f["title"] for f in Elements(page).frames]
    # The confirmation (also in discreet mode), the invitation, each reminder and the
    # expired-invitation notice.
    assert len(titles) == 2 * (4 + len(shared))
    assert "The email at desktop width: Confirmation: Sam signed up" in titles
    assert any("Discreet mode" in title for title in titles)
    assert "The email at phone width: Invitation: Alex invited by Sam" in titles
    assert str(escape("The email at phone width: Notice: Sam's invitation expired")) \
        in page
    for stage in shared:
        assert str(escape(f"Reminder for “{stage.title}”")) in page
    assert page.count('Checks: <span class="pass">all pass</span>') == 4 + len(shared)


def test_an_email_that_fails_a_check_shows_what_failed() -> None:
    grey = RenderedEmail("S", "P", '<html><body><p style="color:#bbbbbb">Faint</p></body>'
                         "</html>", "Faint")
    page = render_other_emails_page(MAIN, FileLinks(MAIN), [OtherEmail("faint", "Faint",
                                                                       grey)])
    assert '<span class="fail">' in page
    assert "light: &#39;Faint&#39; in &lt;p&gt; is #bbbbbb on #ffffff" in page


def test_without_caniemail_data_the_gallery_says_support_was_not_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise SupportDataMissing("caniemail's data is not at /x: run scripts/fetch-caniemail")

    monkeypatch.setattr(report_module, "load_support_data", missing)
    emails = other_emails(MAIN, SETTINGS)[:1]
    page = render_other_emails_page(MAIN, FileLinks(MAIN), emails)
    assert "Client support: not checked. caniemail&#39;s data is not at /x: run " \
           "scripts/fetch-caniemail" in page
    assert "Contrast (at least 4.5:1)" in page


def test_no_stage_may_take_the_name_of_the_other_emails_page(tmp_path: Path) -> None:
    assert PAGE_KEY in RESERVED_KEYS
    program = copy_program(tmp_path)
    (program / "stages" / "welcome.md").rename(program / "stages" / f"{PAGE_KEY}.md")
    edit(program, "program.yaml", "  - welcome\n", f"  - {PAGE_KEY}\n")
    find_problem(problems_loading(program), "program.yaml", f"'{PAGE_KEY}' cannot be a stage",
                 field="stages")


# Served by the web app ----------------------------------------------------------------

@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    root = tmp_path / "served"
    copy_program(root)
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN, "program_dir": root})


def test_the_served_gallery_shows_the_other_emails_and_every_check(
        client: TestClient) -> None:
    caniemail_data()
    index = client.get("/admin/program/main/", headers=BEARER)
    assert f"/admin/program/main/{PAGE_KEY}" in Elements(index.text).hrefs
    assert index.text.count('<span class="pass">checks pass') == len(MAIN.stages) + 1
    page = client.get(f"/admin/program/main/{PAGE_KEY}", headers=BEARER)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Confirmation: Sam signed up" in page.text
    stage = client.get("/admin/program/main/acknowledge", headers=BEARER)
    assert 'Checks: <span class="pass">all pass</span>' in stage.text


def test_the_served_other_emails_page_of_a_broken_program_lists_its_problems(
        client: TestClient, settings: Settings) -> None:
    welcome = settings.program_dir / "main" / "stages" / "welcome.md"
    welcome.write_text(welcome.read_text().replace("{{ first_name }}", "{{ firstname }}", 1))
    page = client.get(f"/admin/program/main/{PAGE_KEY}", headers=BEARER)
    assert "<title>This program has problems" in page.text


def test_the_other_emails_page_of_an_unknown_program_is_not_found(client: TestClient) -> None:
    response = client.get(f"/admin/program/nope/{PAGE_KEY}", headers=BEARER)
    assert response.status_code == 404
    assert str(escape("There is no program 'nope'.")) in response.text
