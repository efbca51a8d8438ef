"""The request body cap, enforced before anything parses the body: a declared length
over the cap is refused unread, and a body that streams past it is cut off there, so
a stranger cannot make the API hold a huge body in memory."""

from __future__ import annotations

from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.views import message_page


class BodyTooLarge(HTTPException):
    """Raised while the body is read. An HTTPException, so the framework's body parsing
    passes it on instead of turning it into a parse error; ``api.main`` answers it."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413)
        self.max_bytes = max_bytes


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
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = too_large_response(scope, self.max_bytes)
        await response(scope, _nothing_more, send)


def too_large_response(scope: Scope, max_bytes: int) -> Response:
    limit_kb = max_bytes // 1024
    response: Response
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"error": "body_too_large", "message":
                                 f"The request body is larger than {limit_kb} KB; "
                                 "nothing was saved."}, status_code=413)
    else:
        response = message_page(scope["app"].state.runtime, "That was too much to send", [
            f"We accept up to {limit_kb} KB at a time, and nothing was saved.",
            "Please go back, shorten what you wrote and try again."], 413)
    # The rest of the body is never read, so the connection cannot carry another request.
    response.headers["Connection"] = "close"
    return response


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
