"""The editors' preview: every stage of every shipped program rendered as partners get it,
written as a gallery of files, by the command, and served behind the admin token."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from cli.main import main
from reconnect.editor.preview import View, render_preview, sample, stage_views
from reconnect.editor.preview_gallery import FileLinks, framed, write_gallery
from reconnect.program.audience import AUDIENCES
from reconnect.program.loader import ProgramError, load_program_dir
from reconnect.program.model import Program, Stage
from reconnect.runtime import Runtime
from reconnect.settings import PROJECT_ROOT, Environment, Settings, get_settings
from tests.support.preview import (
    ADMIN_TOKEN,
    BASIC,
    BEARER,
    SHIPPED,
    Elements,
    copy_program,
)

SETTINGS = Settings(_env_file=None, env=Environment.TEST)
SUPPORT_BLOCK = "If last week felt far apart"
MAIN = load_program_dir(PROJECT_ROOT / "program" / "main")


def _stage(program: Program, key: str) -> Stage:
    stage = program.stage(key)
    assert stage is not None
    return stage


def _break(directory: Path) -> None:
    welcome = directory / "stages" / "welcome.md"
    welcome.write_text(welcome.read_text().replace("{{ first_name }}", "{{ firstname }}", 1))


# Rendering ----------------------------------------------------------------------------

@pytest.mark.parametrize("directory", SHIPPED, ids=lambda p: p.name)
def test_every_stage_of_every_shipped_program_renders_in_every_version(
        directory: Path) -> None:
    program = load_program_dir(directory)
    for stage in program.stages:
        views = stage_views(program, stage, SETTINGS, FileLinks(program).answer_link(stage))
        assert views[0].id == "inviter-joined"
        assert len({v.email.html for v in views}) == len(views) == len({v.id for v in views})
        for view in views:
            assert view.email.subject == stage.subject
            assert str(escape(stage.title)) in view.email.html
            assert stage.title.upper() in view.email.text


def test_a_low_connection_answer_is_shown_as_a_version_with_the_support_block() -> None:
    stage = _stage(MAIN, "acknowledge")
    views = stage_views(MAIN, stage, SETTINGS, lambda _key, _value: "#")
    with_block = [v for v in views if SUPPORT_BLOCK in v.email.html]
    assert with_block
    assert all(v.previous["connection"] in ("1", "2") for v in with_block)
    [low_alone] = [v for v in with_block
                   if {k: a for k, a in v.previous.items() if a} == {"connection": "1"}]
    assert "1 (Very distant) or 2" in low_alone.title
    assert SUPPORT_BLOCK not in views[0].email.html
    for answer, shown in (("", False), ("1", True), ("2", True), ("3", False), ("5", False)):
        email = render_preview(MAIN, stage, SETTINGS, sample("inviter-joined"),
                               {"connection": answer}, lambda _key, _value: "#")
        assert (SUPPORT_BLOCK in email.html) is shown
        assert (SUPPORT_BLOCK in email.text) is shown


def _view_for(views: list[View], sample_key: str) -> View:
    """The view a sample reader gets: their own, or the one they share with others."""
    [view] = [v for v in views if v.id == sample_key or
              sample_key in v.title.partition("(the same for ")[2].rstrip(")").split(", ")]
    return view


def test_the_sample_partners_are_named_or_not_joined() -> None:
    stage = _stage(MAIN, "acknowledge")
    views = stage_views(MAIN, stage, SETTINGS, lambda _k, _v: "#")
    assert "Alex may feel the distance" in _view_for(views, "inviter-joined").email.html
    no_partner = _view_for(views, "inviter-none")
    assert "Your partner may feel the distance" in no_partner.email.html
    assert "Hi Sam," in no_partner.email.text


def test_preview_emails_carry_no_live_links() -> None:
    links = FileLinks(MAIN)
    gallery = {links.stage(s) for s in MAIN.stages}
    for stage in MAIN.stages:
        # Other sites the stage's own words link to (directories of therapists, say).
        written = set(re.findall(r"https?://[^\s)\]>\"']+", stage.body))
        for view in stage_views(MAIN, stage, SETTINGS, links.answer_link(stage)):
            hrefs = set(Elements(view.email.html).hrefs)
            assert hrefs <= {"#", SETTINGS.safety_url} | gallery | written, stage.key
            for live in (SETTINGS.base_url, "/reflect/", "/unsubscribe/", "/preferences/"):
                assert live not in view.email.html + view.email.text


# The gallery on disk ------------------------------------------------------------------

@pytest.mark.parametrize("directory", SHIPPED, ids=lambda p: p.name)
def test_the_gallery_has_an_index_and_a_full_page_per_stage(directory: Path,
                                                           tmp_path: Path) -> None:
    program = load_program_dir(directory)
    written = write_gallery(program, tmp_path, settings=SETTINGS)
    assert written == [tmp_path / "index.html",
                       *(tmp_path / f"{s.key}.html" for s in program.stages),
                       tmp_path / "other-emails.html"]
    index = written[0].read_text()
    assert str(escape(program.title)) in index
    assert set(Elements(index).hrefs) >= {f"{s.key}.html" for s in program.stages}
    for stage in program.stages:
        assert str(escape(stage.subject)) in index
        assert f"Day {stage.day} " in index
        html = (tmp_path / f"{stage.key}.html").read_text()
        assert '<html lang="en">' in html
        assert f"<title>{escape(stage.title)}" in html
        assert str(escape(stage.subject)) in html
        assert str(escape(stage.preheader)) in html
        page = Elements(html)
        views = stage_views(program, stage, SETTINGS, FileLinks(program).answer_link(stage))
        assert [f["srcdoc"] for f in page.frames] == \
            [framed(v.email.html) for v in views for _ in ("desktop", "phone")]
        assert [f["width"] for f in page.frames] == ["640", "375"] * len(views)
        assert all(f["title"] for f in page.frames)
        assert len({f["title"] for f in page.frames}) == len(page.frames)
        assert len(page.found["pre"]) == len(views)
        for view in views:
            assert f">{escape(view.email.text)}</pre>" in html
        assert "index.html" in page.hrefs
        before, after = program.stage_at(stage.position - 1), \
            program.stage_at(stage.position + 1)
        if stage.position:
            assert before is not None
            assert f"{before.key}.html" in page.hrefs
        if after is not None:
            assert f"{after.key}.html" in page.hrefs
        assert "<script" not in html  # the reloader is for the web app in development


def test_writing_the_gallery_again_removes_pages_of_stages_that_are_gone(
        tmp_path: Path) -> None:
    (tmp_path / "renamed-stage.html").write_text("old", encoding="utf-8")
    write_gallery(MAIN, tmp_path, settings=SETTINGS)
    assert not (tmp_path / "renamed-stage.html").exists()
    assert (tmp_path / "index.html").exists()


def test_the_gallery_reports_progress_stage_by_stage(tmp_path: Path) -> None:
    seen: list[str] = []

    def progress(stages: Sequence[Stage]) -> Iterable[Stage]:
        for stage in stages:
            seen.append(stage.key)
            yield stage

    write_gallery(MAIN, tmp_path, settings=SETTINGS, progress=progress)
    assert seen == [s.key for s in MAIN.stages]


# The command --------------------------------------------------------------------------

@pytest.fixture
def program_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "program"
    copy_program(root)
    monkeypatch.setenv("RECONNECT_PROGRAM_DIR", str(root))
    monkeypatch.setenv("RECONNECT_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def test_the_preview_command_writes_the_gallery(program_root: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["program", "preview", "--out", str(out)]) == 0
    index = out / "main" / "index.html"
    assert capsys.readouterr().out.split() == [str(index.resolve())]
    assert all((out / "main" / f"{s.key}.html").is_file() for s in MAIN.stages)


def test_the_preview_command_writes_under_the_data_folder_by_default(
        program_root: Path, tmp_path: Path) -> None:
    assert main(["program", "preview", "--program", "main"]) == 0
    assert (tmp_path / "var" / "preview" / "main" / "index.html").is_file()


def test_the_preview_command_lists_the_problems_of_an_invalid_program(
        program_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(program_root / "main")
    assert main(["program", "preview", "--out", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr()
    assert "stages/welcome.md" in printed.err
    assert "'firstname' is undefined" in printed.err
    assert printed.out == ""
    assert not (tmp_path / "out" / "main").exists()


def test_the_preview_command_refuses_an_unknown_program(
        program_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["program", "preview", "--program", "nope"]) == 1
    assert "no program.yaml" in capsys.readouterr().err


# The web app --------------------------------------------------------------------------

@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    root = tmp_path / "served"
    copy_program(root)
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN, "program_dir": root})


ADMIN_PATHS = ["/admin/program", "/admin/program/main/", "/admin/program/main/acknowledge",
               "/admin/program/main/version", "/admin/program/main/other-emails"]


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_admin_pages_need_the_admin_token(client: TestClient, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-the-token"},
                    {"Authorization": "Basic ZWRpdG9yOm5vdC10aGUtdG9rZW4="},  # editor:not-…
                    {"Authorization": f"Token {ADMIN_TOKEN}"}):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="Reconnect admin"'
        assert ADMIN_TOKEN not in refused.text
    assert client.get(path, headers=BEARER).status_code == 200
    assert client.get(path, headers=BASIC).status_code == 200


def test_admin_pages_do_not_exist_without_an_admin_token(client: TestClient,
                                                         runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"admin_token": None})
    for path in ADMIN_PATHS:
        assert client.get(path, headers=BEARER).status_code == 404


def test_the_served_gallery_links_programs_stages_and_versions(client: TestClient) -> None:
    programs = client.get("/admin/program", headers=BASIC)
    assert "/admin/program/main/" in Elements(programs.text).hrefs
    index = client.get("/admin/program/main/", headers=BASIC)
    assert index.headers["Cache-Control"] == "no-store"
    assert {f"/admin/program/main/{s.key}" for s in MAIN.stages} <= \
        set(Elements(index.text).hrefs)
    page = client.get("/admin/program/main/acknowledge", headers=BASIC)
    hrefs = Elements(page.text).hrefs
    assert {"/admin/program/main/", "/admin/program/main/welcome",
            "/admin/program/main/share-without-blame",
            # a partner who left reads "your partner", unlike the first sample
            "/admin/program/main/acknowledge?partner=inviter-left",
            "/admin/program/main/acknowledge?previous.connection=1"} <= set(hrefs)


def _shown_email(client: TestClient, path: str, **params: str) -> str:
    response = client.get(path, params=params, headers=BEARER)
    assert response.status_code == 200
    frames = Elements(response.text).frames
    assert len(frames) == 2
    assert frames[0]["srcdoc"] == frames[1]["srcdoc"]
    return frames[0]["srcdoc"]


def test_choosing_a_low_previous_answer_shows_the_support_block(client: TestClient) -> None:
    path = "/admin/program/main/acknowledge"
    assert SUPPORT_BLOCK in _shown_email(client, path, **{"previous.connection": "1"})
    assert SUPPORT_BLOCK not in _shown_email(client, path, **{"previous.connection": "5"})
    assert SUPPORT_BLOCK not in _shown_email(client, path)
    form = client.get(path, params={"previous.connection": "2"}, headers=BEARER).text
    assert '<select id="previous-connection" name="previous.connection">' in form
    assert '<option value="2" selected>' in form


def test_the_served_preview_offers_every_role_and_partner_state(client: TestClient) -> None:
    page = client.get("/admin/program/main/acknowledge", headers=BEARER).text
    for audience in AUDIENCES:
        assert f'<option value="{audience.role}-{audience.partner}"' in page


def test_choosing_the_sample_partner_changes_the_names(client: TestClient) -> None:
    path = "/admin/program/main/acknowledge"
    assert "Alex may feel" in _shown_email(client, path)
    assert "Your partner may feel" in _shown_email(client, path, partner="solo-none")


def test_answer_buttons_lead_to_the_next_stage_after_that_answer(client: TestClient) -> None:
    email = _shown_email(client, "/admin/program/main/welcome", partner="solo-none")
    hrefs = Elements(email).hrefs
    assert "/admin/program/main/acknowledge?partner=solo-none&previous.connection=1" in hrefs
    assert not any(h.startswith(("http://testserver", "/reflect")) for h in hrefs)


def test_an_invalid_program_shows_its_problems(client: TestClient, settings: Settings) -> None:
    directory = settings.program_dir / "main"
    _break(directory)
    with pytest.raises(ProgramError) as problems:
        load_program_dir(directory)
    for path in ("/admin/program/main/", "/admin/program/main/acknowledge"):
        page = client.get(path, headers=BEARER)
        assert page.status_code == 200
        assert "<title>This program has problems" in page.text
        for problem in problems.value.problems:
            assert str(escape(str(problem))) in page.text
    assert "has 1 problem(s)" in client.get("/admin/program", headers=BEARER).text


def test_unknown_programs_and_stages_are_not_found(client: TestClient) -> None:
    for path in ("/admin/program/nope/", "/admin/program/main/nope",
                 "/admin/program/%2E%2E/", "/admin/program/%2E%2E/version",
                 "/admin/program/nope/version"):
        assert client.get(path, headers=BEARER).status_code == 404, path


def test_the_version_changes_when_a_program_file_changes(client: TestClient,
                                                         settings: Settings) -> None:
    def version() -> str:
        response = client.get("/admin/program/main/version", headers=BEARER)
        assert response.headers["Cache-Control"] == "no-store"
        value: str = response.json()["version"]
        return value

    first = version()
    assert version() == first
    stage = settings.program_dir / "main" / "stages" / "welcome.md"
    stage.write_text(stage.read_text() + "\nOne more line.\n")
    edited = version()
    assert edited != first
    stage.write_bytes(stage.read_bytes() + b"\xff")  # unreadable as a program: not UTF-8
    broken = version()
    assert broken.startswith("files-")
    assert broken != edited


def test_pages_reload_themselves_after_an_edit_only_in_development(
        client: TestClient, runtime: Runtime) -> None:
    for path in ("/admin/program/main/", "/admin/program/main/acknowledge"):
        assert "<script" not in client.get(path, headers=BEARER).text
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.DEVELOPMENT})
    for path in ("/admin/program/main/", "/admin/program/main/acknowledge"):
        page = client.get(path, headers=BEARER).text
        assert '"/admin/program/main/version"' in page
        assert "preview-reload.js" in page
