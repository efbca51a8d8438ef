"""The operators' dashboard at ``/admin``: each program's funnel and average ratings as
charts (each with a table of the same figures), and the delivery queue's health. Behind
the admin token (a browser asks for it). Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from api.admin_auth import require_admin
from api.deps import RuntimeDep
from api.views import page
from reconnect.admin import service
from reconnect.admin.funnel import funnel_report
from reconnect.admin.schemas import ProgramFunnel
from reconnect.editor.preview_web import PREFIX as PREVIEW
from reconnect.partners.leaving import REASONS

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

# Chart geometry, in SVG units (the chart scales to the page's width): one row per bar,
# its label above it; bars start at LEFT and are at most WIDTH long.
# The value is written after the bar, in the room WIDTH leaves.
LEFT, WIDTH, ROW, BAR = 4, 220, 40, 14
LABEL_CHARS = 42  # longer labels are cut in the chart; the table has them in full


@dataclass(frozen=True)
class Bar:
    y: float  # top of the row
    width: float
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    height: int
    bars: tuple[Bar, ...]


def _chart(rows: list[tuple[str, float | None, str]], top: float) -> Chart:
    """``rows``: (label, value or None for no bar, the value as text); ``top`` is the
    value of a full-length bar."""
    bars = tuple(Bar(y=i * ROW, width=round(WIDTH * value / top, 1) if value and top else 0,
                     label=_cut(label), value=text)
                 for i, (label, value, text) in enumerate(rows))
    return Chart(height=max(1, len(rows)) * ROW, bars=bars)


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


def _charts(program: ProgramFunnel) -> dict[str, Chart]:
    most = max((s.partners for s in program.funnel), default=0)
    funnel = _chart([(s.label, s.partners, str(s.partners)) for s in program.funnel], most)
    ratings = _chart([(f"Step {r.step}: {r.question}", r.average,
                       _rating_text(r.average, r.answers)) for r in program.ratings], 5)
    return {"funnel": funnel, "ratings": ratings}


def _rating_text(average: float | None, answers: int) -> str:
    if average is not None:
        return f"{average:.2f} (n={answers})"
    return f"hidden (n={answers})" if answers else "no answers"


@router.get("/admin", response_class=HTMLResponse)
def dashboard(rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        report = funnel_report(session, rt)
        queue = service.queue(session, rt)
    response = page(rt, "admin.html", report=report, queue=queue,
                    charts={p.program: _charts(p) for p in report.programs},
                    geometry={"left": LEFT, "width": WIDTH, "bar": BAR},
                    preview_url=PREVIEW, reason_labels=REASONS)
    response.headers.update(HEADERS)
    return response
