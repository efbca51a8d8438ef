"""The versioned JSON API. It shares every service with the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import LimiterDep, ReadSessionDep, RuntimeDep, UowDep, client_address
from reconnect.partners import service as partners
from reconnect.ratelimit import RateLimited
from reconnect.reflections import service as reflections
from reconnect.reflections.schemas import ReflectionIn, ReflectionOut
from reconnect.signups.schemas import SignupAccepted, SignupRequest
from reconnect.signups.service import UnknownProgramChoice, sign_up
from reconnect.tokens import TokenError, TokenProblem

router = APIRouter(prefix="/api/v1", tags=["v1"])

TOKEN_STATUS = {TokenProblem.INVALID: 401, TokenProblem.EXPIRED: 410, TokenProblem.USED: 410}
VALIDATION_MESSAGE = "Some fields need attention; nothing was saved."


class ApiError(Exception):
    """Raised by endpoints; the transaction rolls back and the client gets a JSON body."""

    def __init__(self, status: int, error: str, message: str,
                 headers: dict[str, str] | None = None, **extra: object) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.headers, self.extra = headers, extra

    @classmethod
    def from_token(cls, exc: TokenError) -> ApiError:
        return cls(TOKEN_STATUS[exc.problem], f"token_{exc.problem.value}",
                   f"The link's token is {exc.problem.value}.")


def api_error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, headers=exc.headers,
                        content={"error": exc.error, "message": exc.message, **exc.extra})


@router.post("/signups", status_code=202)
def create_signup(body: SignupRequest, request: Request, rt: RuntimeDep, uow: UowDep,
                  limiter: LimiterDep) -> SignupAccepted:
    try:
        limiter.check(client_address(request), [e for e in (body.email, body.partner_email) if e])
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", "Too many signups; please try again later.",
                       headers={"Retry-After": str(exc.retry_after)},
                       retry_after=exc.retry_after) from exc
    try:
        sign_up(uow, rt, body)
    except UnknownProgramChoice as exc:
        raise ApiError(422, "validation_failed", VALIDATION_MESSAGE,
                       fields={"program": "That program is not available."}) from exc
    return SignupAccepted()


@router.get("/reflections/{token}")
def list_reflections(token: str, rt: RuntimeDep, session: ReadSessionDep) -> list[ReflectionOut]:
    return reflections.stage_reflections(session, rt, token)


@router.put("/reflections/{token}/{prompt_key}")
def put_reflection(token: str, prompt_key: str, body: ReflectionIn, rt: RuntimeDep,
                   uow: UowDep) -> ReflectionOut:
    try:
        ctx = reflections.record(uow, rt, token, prompt_key, body.answer, body.note,
                                 body.share)
    except reflections.UnknownPrompt as exc:
        raise ApiError(404, "unknown_prompt", "This stage has no such question.") from exc
    except reflections.InvalidAnswer as exc:
        raise ApiError(422, "validation_failed", VALIDATION_MESSAGE,
                       fields={exc.field: str(exc)}) from exc
    except reflections.ReflectionClosed as exc:
        raise ApiError(409, "reflection_closed",
                       "The next stage has arrived; this answer can no longer change.") from exc
    return ctx.out()


@router.post("/unsubscribe/{token}")
def api_unsubscribe(token: str, rt: RuntimeDep, uow: UowDep) -> dict[str, str]:
    partners.unsubscribe(uow, rt, token)
    return {"status": "unsubscribed"}
