"""The "my journey" page, linked from every stage email: steps done, your answers, your
partner's shared answers once both chose to share, and a small chart of the ratings."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS, TOKEN_PAGE_ERRORS
from api.views import message_page, page
from reconnect.reflections.journey import Journey, journey
from reconnect.sending.archive import NotReceived, archived_email

router = APIRouter(responses={**PAGE_ERRORS, **TOKEN_PAGE_ERRORS})

# The chart's drawing area, in SVG units: 1 to 5 from bottom to top, weeks left to right.
LEFT, RIGHT, TOP, BOTTOM = 36, 312, 16, 116


@dataclass(frozen=True)
class ChartLine:
    points: str  # for <polyline points="…">
    dots: tuple[tuple[float, float, int, int], ...]  # x, y, week, value


def _x(week: int, first: int, last: int) -> float:
    return LEFT + (week - first) * (RIGHT - LEFT) / max(1, last - first)


def _line(values: list[tuple[int, int]], first: int, last: int) -> ChartLine | None:
    if not values:
        return None
    dots = tuple((_x(week, first, last), BOTTOM - (value - 1) * (BOTTOM - TOP) / 4,
                  week, value) for week, value in values)
    return ChartLine(" ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in dots), dots)


@router.get("/journey/{token}", response_class=HTMLResponse)
def journey_page(token: str, rt: RuntimeDep) -> HTMLResponse:
    with rt.read_session() as session:
        shown: Journey = journey(session, rt, token)
    # The chart's weeks are the program's weeks, as every step is named ("Week N · …").
    first = min((s.week for s in shown.steps), default=0)
    last = max((s.week for s in shown.steps), default=0)
    yours = _line([(r.week, r.yours) for r in shown.ratings if r.yours is not None],
                  first, last)
    theirs = _line([(r.week, r.partners) for r in shown.ratings if r.partners is not None],
                   first, last)
    labels = [(_x(s.week, first, last), s.week) for s in shown.steps]
    return page(rt, "journey.html", journey=shown, yours=yours, theirs=theirs,
                chart={"left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM},
                week_labels=labels, done=sum(step.done for step in shown.steps),
                invitation=shown.invitation, invitations_left=shown.invitations_left,
                invitation_days=rt.settings.confirm_token_days,
                preferences_url=f"/preferences/{token}", token=token)


@router.get("/archive/{token}/{step}", response_class=HTMLResponse)
def archive_page(token: str, step: int, rt: RuntimeDep) -> HTMLResponse:
    """A past step's email as it was sent, in the browser. ``no-store`` like every
    private page; its inline styles are the email's own (see api/security.py)."""
    try:
        with rt.read_session() as session:
            _, html = archived_email(session, rt, token, step)
    except NotReceived:
        return message_page(rt, "This step is not here yet", [
            "Steps appear here once their email has been sent to you. Your journey "
            "page lists the ones you have received."], 404)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
