"""Gives every request an id (the caller's X-Request-ID when it is a sane one), binds it
to every log line written while the request runs, returns it in the response, and logs
one line per request: the route's template (never the path, which may hold a token),
the status and how long it took."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.health import PROBE_PATHS
from reconnect.logging import bound

log = logging.getLogger("reconnect.request")
HEADER = b"x-request-id"
_SANE = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER, b"")
        request_id = given.decode() if _SANE.match(given) else uuid.uuid4().hex
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (HEADER, request_id.encode())]
            await send(message)

        with bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                # Healthchecks and scrapes come every few seconds: at info level they
                # would bury the requests people make.
                level = logging.DEBUG if route in PROBE_PATHS else logging.INFO
                log.log(level, "request", extra={
                    "method": scope["method"], "route": route, "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
