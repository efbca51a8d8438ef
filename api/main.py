"""The ASGI application: ``uvicorn api.main:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import (
    admin_api,
    admin_pages,
    admin_recovery_api,
    bounce_webhooks,
    data_pages,
    dev,
    health,
    help_pages,
    invitation_pages,
    journey_pages,
    loop_guard,
    metrics_endpoint,
    pages,
    preference_pages,
    preview_pages,
    public_pages,
    reflect_pages,
    v1,
    way_back_pages,
)
from api.body_limit import BodyLimit, BodyTooLarge, too_large_response
from api.errors import request_validation_handler, validation_response
from api.openapi import with_admin_security
from api.program_reload import ProgramReload
from api.request_log import RequestLog
from api.security import SecurityHeaders
from api.views import busy_page, link_problem_page, message_page
from reconnect.admin.lockout import AdminLockout
from reconnect.bounces.providers.sns import SnsVerifier
from reconnect.logging import configure_logging
from reconnect.ratelimit import SignupLimiter
from reconnect.runtime import Runtime, build_runtime
from reconnect.settings import Environment, get_settings
from reconnect.startup import settings_or_exit
from reconnect.templating import STATIC_DIR
from reconnect.tokens import TokenError

# Smaller responses are sent as they are: compressing them saves less than it costs.
GZIP_MINIMUM_BYTES = 1000
# Seconds a client is asked to wait when the database was too busy to answer in time.
BUSY_RETRY_AFTER = 5

log = logging.getLogger(__name__)


def create_app(runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or _production_runtime()
        loop_guard.loop_started()
        loop_guard.watch(rt.engine, strict=rt.settings.env is not Environment.PRODUCTION)
        await health.start(app, rt)  # loads the programs, or waits for the database
        if rt.settings.redis_url is None:
            raise RuntimeError("RECONNECT_REDIS_URL is not set; the API needs Redis for "
                               "rate limits and background jobs")
        app.state.runtime = rt
        app.state.limiter = SignupLimiter(rt.settings.redis_url,
                                          rt.settings.signup_limit_per_client,
                                          rt.settings.signup_limit_per_email,
                                          rt.settings.invite_limit_per_email,
                                          salt=rt.settings.secret_key)
        app.state.admin_lockout = AdminLockout(rt.settings.redis_url)
        app.state.sns_verifier = SnsVerifier(rt.settings.sns_hosts, rt.settings.ses_topics)
        yield
        await health.stop(app)
        loop_guard.loop_stopped()
        if runtime is None:
            rt.close()

    settings = runtime.settings if runtime else settings_or_exit()
    docs = settings.docs_enabled
    app = FastAPI(title="Reconnect", version="1", lifespan=lifespan,
                  docs_url="/api/docs" if docs else None, redoc_url=None,
                  openapi_url="/api/openapi.json" if docs else None)
    app.include_router(pages.router)
    app.include_router(reflect_pages.router)
    app.include_router(preference_pages.router)
    app.include_router(data_pages.router)
    app.include_router(help_pages.router)
    app.include_router(public_pages.router)
    app.include_router(way_back_pages.router)
    app.include_router(journey_pages.router)
    app.include_router(invitation_pages.router)
    app.include_router(preview_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(v1.router)
    app.include_router(admin_api.router)
    app.include_router(admin_recovery_api.router)
    app.include_router(bounce_webhooks.router)
    app.include_router(metrics_endpoint.router)
    if settings.outbox_enabled or settings.time_travel:
        app.include_router(dev.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(ProgramReload)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    # Text answers (pages, CSS, JS, JSON) shrink to a fraction; below the minimum the
    # header costs more than it saves. Inside the request log, which then logs the status.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    app.add_middleware(RequestLog)  # outermost: everything after it logs with the id
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(IntegrityError, _database_conflict)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(v1.ApiError, _api_error)
    app.add_exception_handler(TokenError, _token_error)
    app.add_exception_handler(bounce_webhooks.BodyTooLarge, bounce_webhooks.body_too_large)
    app.include_router(health.router)
    with_admin_security(app)
    return app


HTTP_HEADINGS = {401: "Please sign in", 404: "We could not find that page",
                 405: "We could not find that page", 429: "Please wait a moment"}
# The framework's own words ("Not Found") tell a person nothing they can act on.
HTTP_PARAGRAPHS = {
    404: ["The address may be mistyped, or the page has moved. If you came from one of "
          "our emails, open the link straight from the email once more.",
          "Lost your emails? On the home page you can ask for your links to be emailed "
          "to you again."],
    405: ["That address does not open as a page. If you came from one of our emails, "
          "open the link straight from the email once more."],
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):  # the body streamed past the cap while read
        return too_large_response(request.scope, exc.max_bytes)
    if request.url.path.startswith("/api/"):
        if exc.status_code == 400:  # the framework could not read the body at all
            return validation_response([{"loc": ("body",), "type": "json_invalid",
                                         "msg": "not readable"}])
        return JSONResponse({"error": "http_error", "message": exc.detail},
                            status_code=exc.status_code, headers=exc.headers)
    rt: Runtime = request.app.state.runtime
    heading = HTTP_HEADINGS.get(exc.status_code, "Something went wrong")
    # A page that said what is missing ("There is no program 'x'.") keeps its words;
    # only the framework's bare status phrase is replaced.
    said = str(exc.detail) if exc.detail else ""
    paragraphs = [said] if said and said != HTTPStatus(exc.status_code).phrase \
        else HTTP_PARAGRAPHS.get(exc.status_code, [said])
    response: HTMLResponse = message_page(rt, heading, paragraphs, exc.status_code,
                                          link_url="/", link_text="Go to the home page")
    response.headers.update(exc.headers or {})  # e.g. WWW-Authenticate on a 401
    return response


async def _token_error(request: Request, exc: Exception) -> Response:
    """A link's token is tampered with, expired or used, wherever it was read: the JSON
    API says so in JSON, pages with a friendly page; the transaction rolls back."""
    assert isinstance(exc, TokenError)
    if request.url.path.startswith("/api/"):
        return v1.api_error_response(v1.ApiError.from_token(exc))
    return link_problem_page(request.app.state.runtime, exc.problem)


async def _database_busy(request: Request, exc: Exception) -> Response:
    """A lock or statement timeout, a busy SQLite file, a full pool or an unreachable
    database: the transaction rolled back, and the client is asked to come back."""
    log.warning("database busy or unreachable; answered 503",
                extra={"error": type(exc).__name__})
    headers = {"Retry-After": str(BUSY_RETRY_AFTER)}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "busy", "message": "We are very busy right now and "
                             "nothing was saved; please try again in a few seconds.",
                             "retry_after": BUSY_RETRY_AFTER}, status_code=503,
                            headers=headers)
    response = busy_page(request.app.state.runtime)
    response.headers.update(headers)
    return response


async def _database_conflict(request: Request, exc: Exception) -> Response:
    """Two requests raced for the same row and the services did not serialise them:
    nothing was saved, and trying again finds the row the other one wrote."""
    log.error("unexpected write conflict; answered 409", extra={"error": type(exc).__name__})
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "conflict", "message": "Another request changed the "
                             "same thing at the same moment; nothing was saved. Please try "
                             "again."}, status_code=409)
    return message_page(request.app.state.runtime, "Please try once more", [
        "Something changed at the same moment, so nothing was saved. Please go back and "
        "try again."], 409)


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, v1.ApiError)
    return v1.api_error_response(exc)


def _production_runtime() -> Runtime:
    from tasks.celery_app import celery_sender

    configure_logging()
    settings = get_settings()
    return build_runtime(settings, sender=celery_sender(settings))


app = create_app()
