"""The reflection page, opened from an answer link in a stage email.

GET only shows: an answer chosen by the link is shown as chosen and plainly NOT saved,
with the Save button at the top (mail scanners open every link, so a GET that saved would
answer for people who never tapped). POST saves, then says so, answers what was said
(the program's reply; help and the solo exercise after "I don't feel safe"; support after
a worrying answer) and leads on to the week's next open question and the journey."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import RuntimeDep
from api.openapi import TOKEN_PAGE_ERRORS
from api.views import message_page, page
from reconnect.partners.preference_links import preferences_token
from reconnect.reflections import service as reflections
from reconnect.reflections.after_saving import answer_care
from reconnect.reflections.answers import chosen
from reconnect.reflections.schemas import NOTE_LIMIT
from reconnect.runtime import Runtime

router = APIRouter()
# A multi question's ticks arrive as one field per tick; more than this is not a person.
MAX_TICKS = 12


def _page(rt: Runtime, session: Session, ctx: reflections.ReflectionContext, *,
          state: str, selected: tuple[str, ...], status_code: int = 200,
          **context: object) -> HTMLResponse:
    """``state``: "empty" (nothing chosen or saved), "unsaved" (chosen, not saved),
    "saved" (the saved answer shown), "just-saved" (after Save), "closed" (the week has
    closed: the saved answer, whatever the link chose)."""
    program = rt.programs.version(session, ctx.partner.program_version_id or 0)
    shown = ctx.existing if state in ("saved", "just-saved") else None
    care = answer_care(session, program, ctx.partner, ctx.stage, ctx.prompt, shown,
                       now=rt.clock.now(),
                       invitation_lifetime=timedelta(days=rt.settings.confirm_token_days))
    token = preferences_token(rt, ctx.partner)
    context.setdefault("note", ctx.existing.note if ctx.existing else None)
    context.setdefault("shared", bool(ctx.existing and ctx.existing.shared))
    context.setdefault("error", None)
    context.setdefault("note_error", None)
    return page(rt, "reflect.html", status_code, help_path=f"/help/{token}",
                journey_path=f"/journey/{token}", stage=ctx.stage, prompt=ctx.prompt,
                note_limit=NOTE_LIMIT, state=state, selected=selected, care=care,
                editable=ctx.editable, quick_exit_url=rt.settings.quick_exit_url,
                **context)


def _unknown_prompt(rt: Runtime) -> HTMLResponse:
    return message_page(rt, "We could not find that question", [
        "The link may be incomplete. Please open it again from your email."], 404)


@router.get("/reflect/{token}/{prompt_key}", response_class=HTMLResponse,
            responses=TOKEN_PAGE_ERRORS)
def reflect_page(token: str, prompt_key: str, rt: RuntimeDep,
                 answer: str | None = None) -> HTMLResponse:
    with rt.read_session() as session:
        try:
            ctx = reflections.reflection_context(session, rt, token, prompt_key)
        except reflections.UnknownPrompt:
            return _unknown_prompt(rt)
        saved = ctx.prompt.values_of(ctx.existing.answer) if ctx.existing else ()
        tapped = chosen(ctx.prompt, answer)
        if not ctx.editable:
            # An old link shows what was saved, never what it was tapped with.
            return _page(rt, session, ctx, state="closed", selected=saved)
        if tapped and set(tapped) != set(saved):
            return _page(rt, session, ctx, state="unsaved", selected=tapped)
        return _page(rt, session, ctx, state="saved" if saved else "empty", selected=saved)


@router.post("/reflect/{token}/{prompt_key}", response_class=HTMLResponse,
             responses={**TOKEN_PAGE_ERRORS,
                        409: {"description": "The week has closed: the answer stays as it "
                                             "was."},
                        422: {"description": "The answer or note needs attention."}})
def reflect_submit(token: str, prompt_key: str, rt: RuntimeDep,
                   answer: Annotated[list[Annotated[str, Form(max_length=40)]],
                                     Form(max_length=MAX_TICKS)] = [],  # noqa: B006
                   note: Annotated[str, Form(max_length=NOTE_LIMIT * 2)] = "",
                   share: Annotated[str, Form(max_length=10)] = "") -> HTMLResponse:
    try:
        with rt.unit_of_work() as uow:
            reflections.record(uow, rt, token, prompt_key, answer, note,
                               share == "yes")
    except reflections.UnknownPrompt:
        return _unknown_prompt(rt)
    except (reflections.InvalidAnswer, reflections.ReflectionClosed) as exc:
        with rt.read_session() as session:
            current = reflections.reflection_context(session, rt, token, prompt_key)
            if isinstance(exc, reflections.ReflectionClosed):
                saved = current.prompt.values_of(current.existing.answer) \
                    if current.existing else ()
                return _page(rt, session, current, state="closed", selected=saved,
                             status_code=409)
            is_note = exc.field == "note"
            return _page(rt, session, current, state="unsaved",
                         selected=tuple(a for a in answer if current.prompt.label_for(a)),
                         status_code=422, note=note, shared=share == "yes",
                         error=None if is_note else str(exc),
                         note_error=str(exc) if is_note else None)
    with rt.read_session() as session:
        saved_ctx = reflections.reflection_context(session, rt, token, prompt_key)
        assert saved_ctx.existing is not None
        return _page(rt, session, saved_ctx, state="just-saved",
                     selected=saved_ctx.prompt.values_of(saved_ctx.existing.answer))
