"""The preview gallery for the program's editors, behind the admin token.

Programs are read from disk on every request, so an edit shows at once (and, in
development, open pages reload themselves when a file changes). Only GET: nothing here
writes anything.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from api.admin_auth import require_admin
from api.deps import RuntimeDep
from reconnect.editor.preview import (
    View,
    answers,
    describe_answers,
    render_preview,
    sample,
    stage_views,
)
from reconnect.editor.preview_emails import PAGE_KEY, other_emails
from reconnect.editor.preview_gallery import (
    PageChecks,
    page_checks,
    render_index_page,
    render_other_emails_page,
    render_stage_page,
)
from reconnect.editor.preview_web import PREFIX, WebLinks, choice_form, chosen_answers, fingerprint
from reconnect.program.loader import MANIFEST, ProgramError, load_program_dir, program_dirs
from reconnect.program.model import KEY_PATTERN, Program
from reconnect.runtime import Runtime
from reconnect.settings import Environment
from reconnect.templating import render

router = APIRouter(prefix=PREFIX, include_in_schema=False,
                   dependencies=[Depends(require_admin)])
# Editors' drafts: never cached, never indexed.
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@router.get("", response_class=HTMLResponse)
def programs(rt: RuntimeDep) -> HTMLResponse:
    found = []
    for directory in program_dirs(rt.settings.program_dir):
        slug = directory.name
        try:
            program = load_program_dir(directory)
            title, summary = program.title, f"{len(program.stages)} stages"
        except ProgramError as exc:
            title, summary = slug, f"has {len(exc.problems)} problem(s)"
        found.append({"slug": slug, "title": title, "summary": summary,
                      "url": WebLinks(slug).index()})
    return _page("preview/programs.html", links=WebLinks(), programs=found,
                 program_dir=rt.settings.program_dir)


@router.get("/{slug}/", response_class=HTMLResponse)
def program_index(slug: str, rt: RuntimeDep) -> HTMLResponse:
    reload = _reload(rt, slug)
    try:
        program = load_program_dir(_directory(rt, slug))
    except ProgramError as exc:
        return _problems(rt, slug, exc, reload)
    links = WebLinks(slug, program)
    return HTMLResponse(render_index_page(program, links, _every_check(rt, program, links),
                                          reload=reload), headers=HEADERS)


@router.get(f"/{{slug}}/{PAGE_KEY}", response_class=HTMLResponse)
def other_emails_page(slug: str, rt: RuntimeDep) -> HTMLResponse:
    reload = _reload(rt, slug)
    try:
        program = load_program_dir(_directory(rt, slug))
    except ProgramError as exc:
        return _problems(rt, slug, exc, reload)
    return HTMLResponse(render_other_emails_page(program, WebLinks(slug, program),
                                                 other_emails(program, rt.settings),
                                                 reload=reload), headers=HEADERS)


@router.get("/{slug}/version")
def program_version(slug: str, rt: RuntimeDep) -> JSONResponse:
    return JSONResponse({"version": fingerprint(_directory(rt, slug))}, headers=HEADERS)


@router.get("/{slug}/{stage_key}", response_class=HTMLResponse)
def stage_page(slug: str, stage_key: str, request: Request, rt: RuntimeDep,
               partner: str | None = None) -> HTMLResponse:
    reload = _reload(rt, slug)
    try:
        program = load_program_dir(_directory(rt, slug))
    except ProgramError as exc:
        return _problems(rt, slug, exc, reload)
    stage = program.stage(stage_key)
    if stage is None:
        raise HTTPException(404, f"The program '{slug}' has no stage '{stage_key}'.")
    who = sample(partner)
    links = WebLinks(slug, program, who)
    previous = answers(program, stage, chosen_answers(request.query_params))
    email = render_preview(program, stage, rt.settings, who, previous,
                           links.answer_link(stage))
    title = who.label if stage.position == 0 else \
        f"{who.label}. {describe_answers(program, stage, previous)}"
    shown = [View("chosen", title, who, previous, email)]
    versions = stage_views(program, stage, rt.settings, links.answer_link(stage))
    return HTMLResponse(render_stage_page(program, stage, links, versions, shown,
                                          form=choice_form(program, stage, who, previous),
                                          reload=reload), headers=HEADERS)


def _every_check(rt: Runtime, program: Program, links: WebLinks) -> dict[str, PageChecks]:
    """The checks of every version of every stage, and of the other emails."""
    checks = {stage.key: page_checks(view.email for view in stage_views(
        program, stage, rt.settings, links.answer_link(stage))) for stage in program.stages}
    checks[PAGE_KEY] = page_checks(other.email for other in other_emails(program,
                                                                        rt.settings))
    return checks


def _directory(rt: Runtime, slug: str) -> Path:
    directory = rt.settings.program_dir / slug
    if not re.fullmatch(KEY_PATTERN, slug) or not (directory / MANIFEST).is_file():
        raise HTTPException(404, f"There is no program '{slug}'.")
    return directory


def _reload(rt: Runtime, slug: str) -> dict[str, str] | None:
    """In development, what the page polls to reload itself after an edit."""
    if rt.settings.env is not Environment.DEVELOPMENT:
        return None
    return {"url": f"{WebLinks(slug).index()}version",
            "version": fingerprint(_directory(rt, slug))}


def _problems(rt: Runtime, slug: str, exc: ProgramError,
              reload: dict[str, str] | None) -> HTMLResponse:
    return _page("preview/problems.html", links=WebLinks(slug), directory=_directory(rt, slug),
                 problems=[str(p) for p in exc.problems], reload=reload)


def _page(template: str, **context: object) -> HTMLResponse:
    return HTMLResponse(render(template, **{"reload": None, **context}), headers=HEADERS)
