"""The versioned JSON API. It shares every service with the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import LimiterDep, RuntimeDep, client_address
from api.openapi import API_ERRORS, TOKEN_API_ERRORS
from reconnect.partners import service as partners
from reconnect.ratelimit import RateLimited
from reconnect.reflections import service as reflections
from reconnect.reflections.schemas import ReflectionIn, ReflectionOut
from reconnect.signups import service as signups
from reconnect.signups.schemas import SignupAccepted, SignupRequest
from reconnect.tokens import TokenError, TokenProblem

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=API_ERRORS)

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


@router.post("/signups", status_code=202, responses={
    429: {"description": "Too many signups from this client or for this address; try "
                         "again after Retry-After seconds."}})
def create_signup(body: SignupRequest, request: Request, rt: RuntimeDep,
                  limiter: LimiterDep) -> SignupAccepted:
    """The same answer whether or not an address is known or enrolled."""
    try:
        limiter.check(client_address(request), body.email, body.partner_email)
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", "Too many signups; please try again later.",
                       headers={"Retry-After": str(exc.retry_after)},
                       retry_after=exc.retry_after) from exc
    try:
        with rt.unit_of_work() as uow:
            signups.receive(uow, rt, body)
    except signups.UnknownProgramChoice as exc:
        raise ApiError(422, "validation_failed", VALIDATION_MESSAGE,
                       fields={"program": "That program is not available."}) from exc
    return SignupAccepted()


@router.get("/reflections/{token}", responses=TOKEN_API_ERRORS)
def list_reflections(token: str, rt: RuntimeDep) -> list[ReflectionOut]:
    with rt.read_session() as session:
        return reflections.stage_reflections(session, rt, token)


@router.put("/reflections/{token}/{prompt_key}", responses={
    **TOKEN_API_ERRORS,
    404: {"description": "The stage has no such question."},
    409: {"description": "The next stage has arrived; the answer can no longer change."}})
def put_reflection(token: str, prompt_key: str, body: ReflectionIn,
                   rt: RuntimeDep) -> ReflectionOut:
    try:
        with rt.unit_of_work() as uow:
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


@router.post("/unsubscribe/{token}", responses=TOKEN_API_ERRORS)
def api_unsubscribe(token: str, rt: RuntimeDep) -> dict[str, str]:
    with rt.unit_of_work() as uow:
        partners.unsubscribe(uow, rt, token)
    return {"status": "unsubscribed"}
