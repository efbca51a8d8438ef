"""Rendering couple-facing pages, with the safety line every page carries."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from reconnect.runtime import Runtime
from reconnect.templating import render
from reconnect.tokens import TokenProblem

LINK_PROBLEMS: dict[TokenProblem, tuple[str, list[str]]] = {
    TokenProblem.INVALID: ("This link does not work", [
        "The link may have been cut short or changed when it was copied, or it is no "
        "longer in use. Try opening it again straight from your newest email.",
        "If it still does not work, you can sign up on the home page with your address.",
    ]),
    TokenProblem.EXPIRED: ("This link has expired", [
        "For your privacy, links from our emails only work for a limited time.",
        "Your newest email has a fresh link. If you were confirming your address, sign up "
        "again and we will send a new confirmation.",
    ]),
    TokenProblem.USED: ("This link has already been used", [
        "It did its work the first time, so there is nothing more to do with it.",
        "To see or change your emails, use the links in your newest email, or ask for "
        "fresh links to be emailed to you.",
    ]),
}


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """"1 reflection", "4 reflections", "no reflections": counts read as sentences."""
    many = nouns or f"{noun}s"
    if count == 0:
        return f"no {many}"
    return f"{count} {noun if count == 1 else many}"


def page(rt: Runtime, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    _, program = rt.programs.current()
    html = render(f"pages/{template}", safety_note=program.safety_note,
                  safety_url=rt.settings.safety_url, **context)
    return HTMLResponse(html, status_code=status_code)


def message_page(rt: Runtime, heading: str, paragraphs: list[str], status_code: int = 200,
                 link_url: str | None = None, link_text: str | None = None) -> HTMLResponse:
    return page(rt, "message.html", status_code, heading=heading, paragraphs=paragraphs,
                link_url=link_url, link_text=link_text)


def busy_page(rt: Runtime) -> HTMLResponse:
    return message_page(rt, "Please try again in a moment", [
        "We are very busy right now, so nothing was saved.",
        "Please wait a few seconds and send it again.",
    ], 503)


def link_problem_page(rt: Runtime, problem: TokenProblem) -> HTMLResponse:
    heading, paragraphs = LINK_PROBLEMS[problem]
    status = 410 if problem is not TokenProblem.INVALID else 400
    return message_page(rt, heading, paragraphs, status, link_url="/",
                        link_text="Go to the Reconnect home page")
