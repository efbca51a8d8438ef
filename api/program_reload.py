"""Takes program edits between requests, before any transaction is open."""

from __future__ import annotations

from anyio import to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from reconnect.runtime import Runtime


class ProgramReload:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            rt: Runtime = scope["app"].state.runtime
            if rt.programs.due_for_a_look():
                # Reads files and may write the new version: not on the event loop.
                await to_thread.run_sync(rt.programs.refresh)
        await self.app(scope, receive, send)
