"""Takes program edits between requests, before any transaction is open."""

from __future__ import annotations

from anyio import to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from api.health import PROBE_PATHS, answer_not_ready, programs_pending
from reconnect.runtime import Runtime


class ProgramReload:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Health probes stay cheap and answer with the database down: never a reload.
        if scope["type"] == "http" and scope["path"] not in PROBE_PATHS:
            if programs_pending(scope["app"]):  # the database was not usable at start
                await answer_not_ready(scope, receive, send)
                return
            rt: Runtime = scope["app"].state.runtime
            if rt.programs.due_for_a_look():
                # Reads files and may write the new version: not on the event loop.
                await to_thread.run_sync(rt.programs.refresh)
        await self.app(scope, receive, send)
