"""The ASGI application: ``uvicorn api.main:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
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
    journey_pages,
    metrics_endpoint,
    pages,
    preference_pages,
    preview_pages,
    v1,
)
from api.deps import FINISH_THREADS
from api.errors import request_validation_handler
from api.program_reload import ProgramReload
from api.request_log import RequestLog
from api.views import link_problem_page, message_page
from reconnect.admin.lockout import AdminLockout
from reconnect.bounces.providers.sns import SnsVerifier
from reconnect.logging import configure_logging
from reconnect.ratelimit import SignupLimiter
from reconnect.runtime import Runtime, build_runtime
from reconnect.settings import get_settings
from reconnect.startup import settings_or_exit
from reconnect.tokens import TokenError


def create_app(runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or _production_runtime()
        await health.start(app, rt)  # loads the programs, or waits for the database
        if rt.settings.redis_url is None:
            raise RuntimeError("RECONNECT_REDIS_URL is not set; the API needs Redis for "
                               "rate limits and background jobs")
        app.state.runtime = rt
        app.state.finish_limiter = CapacityLimiter(FINISH_THREADS)
        app.state.limiter = SignupLimiter(rt.settings.redis_url,
                                          rt.settings.signup_limit_per_client,
                                          rt.settings.signup_limit_per_email,
                                          salt=rt.settings.secret_key)
        app.state.admin_lockout = AdminLockout(rt.settings.redis_url)
        app.state.sns_verifier = SnsVerifier(rt.settings.sns_hosts, rt.settings.ses_topics)
        yield
        await health.stop(app)
        if runtime is None:
            rt.close()

    settings = runtime.settings if runtime else settings_or_exit()
    docs = settings.docs_enabled
    app = FastAPI(title="Reconnect", version="1", lifespan=lifespan,
                  docs_url="/api/docs" if docs else None, redoc_url=None,
                  openapi_url="/api/openapi.json" if docs else None)
    app.include_router(pages.router)
    app.include_router(preference_pages.router)
    app.include_router(data_pages.router)
    app.include_router(help_pages.router)
    app.include_router(journey_pages.router)
    app.include_router(preview_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(v1.router)
    app.include_router(admin_api.router)
    app.include_router(admin_recovery_api.router)
    app.include_router(bounce_webhooks.router)
    app.include_router(metrics_endpoint.router)
    if settings.outbox_enabled or settings.time_travel:
        app.include_router(dev.router)
    app.add_middleware(ProgramReload)
    app.add_middleware(RequestLog)  # outermost: everything after it logs with the id
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(v1.ApiError, _api_error)
    app.add_exception_handler(TokenError, _token_error)
    app.add_exception_handler(bounce_webhooks.BodyTooLarge, bounce_webhooks.body_too_large)
    app.include_router(health.router)
    return app


HTTP_HEADINGS = {401: "Please sign in", 404: "We could not find that page",
                 429: "Please wait a moment"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "http_error", "message": exc.detail},
                            status_code=exc.status_code, headers=exc.headers)
    rt: Runtime = request.app.state.runtime
    heading = HTTP_HEADINGS.get(exc.status_code, "Something went wrong")
    response: HTMLResponse = message_page(rt, heading, [str(exc.detail)], exc.status_code,
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


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, v1.ApiError)
    return v1.api_error_response(exc)


def _production_runtime() -> Runtime:
    from tasks.celery_app import CelerySender, make_celery

    configure_logging()
    settings = get_settings()
    return build_runtime(settings, sender=CelerySender(make_celery(settings)))


app = create_app()
