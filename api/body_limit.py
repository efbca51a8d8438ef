"""The request body cap, enforced before anything parses the body: a declared length
over the cap is refused unread, and a body that streams past it is cut off there, so
a stranger cannot make the API hold a huge body in memory."""

from __future__ import annotations

from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.views import message_page


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        limit_kb = self.max_bytes // 1024
        response: Response
        if scope["path"].startswith("/api/"):
            response = JSONResponse({"error": "body_too_large", "message":
                                     f"The request body is larger than {limit_kb} KB; "
                                     "nothing was saved."}, status_code=413)
        else:
            response = message_page(scope["app"].state.runtime, "That was too much to send", [
                f"We accept up to {limit_kb} KB at a time, and nothing was saved.",
                "Please go back, shorten what you wrote and try again."], 413)
        # The rest of the body is never read, so the connection cannot carry another
        # request.
        response.headers["Connection"] = "close"
        await response(scope, _nothing_more, send)


async def _nothing_more() -> Message:
    return {"type": "http.disconnect"}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
