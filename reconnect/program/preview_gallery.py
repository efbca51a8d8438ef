"""The preview gallery's pages: an index of stages and a page per stage, written to
files that open from disk (``reconnect program preview``) or served to editors by the web
app (``api/preview_pages.py``). Both use the templates in ``templates/preview/``; a
``Links`` object says where links lead in each."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reconnect.program.model import Program, Stage
from reconnect.program.preview import HARMLESS_LINK, AnswerLink, View, stage_views
from reconnect.settings import Settings, get_settings
from reconnect.templating import render

Progress = Callable[[Sequence[Stage]], Iterable[Stage]]


class Links(Protocol):
    """Where the pages link to: files side by side, or the web app's URLs. On disk every
    version of a stage is on its page; served, one version is shown at a time."""

    def programs(self) -> str | None: ...
    def index(self) -> str: ...
    def stage(self, stage: Stage) -> str: ...
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

    def view(self, stage: Stage, view: View) -> str:
        return f"#{view.id}"

    def answer_link(self, stage: Stage) -> AnswerLink:
        after = self.program.stage_at(stage.position + 1)
        target = self.stage(after) if after else HARMLESS_LINK
        return lambda _key, _value: target


def framed(html: str) -> str:
    """An email for ``<iframe srcdoc>``: its links open in the whole tab, not the frame."""
    return html.replace("<head>", '<head>\n<base target="_top">', 1)


def render_index_page(program: Program, links: Links, **extra: object) -> str:
    return render("preview/index.html", **{"reload": None, **extra}, program=program,
                  links=links)


def render_stage_page(program: Program, stage: Stage, links: Links, versions: list[View],
                      shown: list[View], **extra: object) -> str:
    """``versions`` are listed as links; ``shown`` are shown in full."""
    return render("preview/stage.html", program=program, stage=stage, links=links,
                  before=program.stage_at(stage.position - 1) if stage.position else None,
                  after=program.stage_at(stage.position + 1), versions=versions,
                  shown=shown, srcdoc=framed, **{"reload": None, "form": None, **extra})


def write_gallery(program: Program, out_dir: Path, *, settings: Settings | None = None,
                  progress: Progress | None = None) -> list[Path]:
    """Writes ``out_dir/index.html`` and ``out_dir/<stage key>.html`` for every stage,
    each stage page with every version of its email; returns the paths, index first.
    Other pages in ``out_dir`` (stages since renamed or removed) are deleted.

    ``progress`` wraps the stages as they are rendered (e.g. a progress bar)."""
    settings = settings or get_settings()
    links = FileLinks(program)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / links.index()
    index.write_text(render_index_page(program, links), encoding="utf-8")
    written = [index]
    for stage in (progress or list)(program.stages):
        views = stage_views(program, stage, settings, links.answer_link(stage))
        path = out_dir / links.stage(stage)
        path.write_text(render_stage_page(program, stage, links, views, views),
                        encoding="utf-8")
        written.append(path)
    for stale in set(out_dir.glob("*.html")) - set(written):
        stale.unlink()  # a page of a stage that was renamed or removed
    return written
