"""The preview gallery's pages: an index of stages, a page per stage and a page of the
other emails (confirmation, invitation, reminders), each email with what the email
checks found; written to files that open from disk (``reconnect program preview``) or
served to editors by the web app (``api/preview_pages.py``). Both use the templates in
``templates/preview/``; a ``Links`` object says where links lead in each."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from reconnect.editor.preview import HARMLESS_LINK, AnswerLink, View, stage_views
from reconnect.editor.preview_emails import PAGE_KEY, OtherEmail, other_emails
from reconnect.mail.checks.report import EmailChecks, check_email
from reconnect.mail.render import RenderedEmail
from reconnect.program.model import Program, Stage
from reconnect.settings import Settings, get_settings
from reconnect.templating import render

Progress = Callable[[Sequence[Stage]], Iterable[Stage]]


class Links(Protocol):
    """Where the pages link to: files side by side, or the web app's URLs. On disk every
    version of a stage is on its page; served, one version is shown at a time."""

    def programs(self) -> str | None: ...
    def index(self) -> str: ...
    def stage(self, stage: Stage) -> str: ...
    def other_emails(self) -> str: ...
    def view(self, stage: Stage, view: View) -> str: ...
    def answer_link(self, stage: Stage) -> AnswerLink:
        """Where the answer buttons in ``stage``'s email lead."""


@dataclass(frozen=True)
class FileLinks:
    program: Program

    def programs(self) -> str | None:
        return None

    def index(self) -> str:
        return "index.html"

    def stage(self, stage: Stage) -> str:
        return f"{stage.key}.html"

    def other_emails(self) -> str:
        return f"{PAGE_KEY}.html"

    def view(self, stage: Stage, view: View) -> str:
        return f"#{view.id}"

    def answer_link(self, stage: Stage) -> AnswerLink:
        after = self.program.stage_at(stage.position + 1)
        target = self.stage(after) if after else HARMLESS_LINK
        return lambda _key, _value: target


def framed(html: str) -> str:
    """An email for ``<iframe srcdoc>``: its links open in the whole tab, not the frame."""
    return html.replace("<head>", '<head>\n<base target="_top">', 1)


@dataclass(frozen=True)
class PageChecks:
    """The checks of every email on one gallery page, for the index."""

    emails: int
    with_problems: int


def page_checks(emails: Iterable[RenderedEmail]) -> PageChecks:
    results = [_checked(email) for email in emails]
    return PageChecks(len(results), sum(1 for result in results if not result.ok))


def render_index_page(program: Program, links: Links, checks: dict[str, PageChecks],
                      **extra: object) -> str:
    """``checks`` holds each stage's (by key) and the other emails' (by
    :data:`PAGE_KEY`)."""
    return render("preview/index.html", **{"reload": None, **extra}, program=program,
                  links=links, checks=checks, other_key=PAGE_KEY)


def render_stage_page(program: Program, stage: Stage, links: Links, versions: list[View],
                      shown: list[View], **extra: object) -> str:
    """``versions`` are listed as links; ``shown`` are shown in full."""
    return render("preview/stage.html", program=program, stage=stage, links=links,
                  before=program.stage_at(stage.position - 1) if stage.position else None,
                  after=program.stage_at(stage.position + 1), versions=versions,
                  shown=shown, srcdoc=framed, checks=_checks((v.id, v.email) for v in shown),
                  **{"reload": None, "form": None, **extra})


def render_other_emails_page(program: Program, links: Links, emails: list[OtherEmail],
                             **extra: object) -> str:
    return render("preview/other_emails.html", program=program, links=links, emails=emails,
                  srcdoc=framed, checks=_checks((e.id, e.email) for e in emails),
                  **{"reload": None, **extra})


def _checks(emails: Iterable[tuple[str, RenderedEmail]]) -> dict[str, EmailChecks]:
    """Each email's checks, by the id of the section that shows it."""
    return {key: _checked(email) for key, email in emails}


# The gallery shows a stage page's emails and then counts them for the index: one check
# each. Emails are values, so equal emails share a result.
_checked = lru_cache(maxsize=64)(check_email)


def write_gallery(program: Program, out_dir: Path, *, settings: Settings | None = None,
                  progress: Progress | None = None) -> list[Path]:
    """Writes ``out_dir/index.html``, ``out_dir/<stage key>.html`` for every stage, each
    stage page with every version of its email, and the page of the other emails;
    returns the paths, index first. Other pages in ``out_dir`` (stages since renamed or
    removed) are deleted.

    ``progress`` wraps the stages as they are rendered (e.g. a progress bar)."""
    settings = settings or get_settings()
    links = FileLinks(program)
    out_dir.mkdir(parents=True, exist_ok=True)
    pages: dict[Path, str] = {}
    checks: dict[str, PageChecks] = {}
    for stage in (progress or list)(program.stages):
        views = stage_views(program, stage, settings, links.answer_link(stage))
        pages[out_dir / links.stage(stage)] = render_stage_page(program, stage, links, views,
                                                                views)
        checks[stage.key] = page_checks(view.email for view in views)
    others = other_emails(program, settings)
    pages[out_dir / links.other_emails()] = render_other_emails_page(program, links, others)
    checks[PAGE_KEY] = page_checks(other.email for other in others)
    index = out_dir / links.index()
    written = [index, *pages]
    index.write_text(render_index_page(program, links, checks), encoding="utf-8")
    for path, page in pages.items():
        path.write_text(page, encoding="utf-8")
    for stale in set(out_dir.glob("*.html")) - set(written):
        stale.unlink()  # a page of a stage that was renamed or removed
    return written
