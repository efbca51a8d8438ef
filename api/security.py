"""Headers on every response: nothing a link leads to is cached, indexed, framed, sniffed
or leaked through the Referer, and pages run only our own script and style."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Couple-facing pages, the JSON API and the admin pages: only our own files, no inline
# script or style, no frames, forms only to ourselves.
STRICT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
              "frame-ancestors 'none'")
# Editors' previews and the development outbox show emails, whose styles are inline by
# necessity (mail clients ignore stylesheets), in sandboxed frames of their own.
EMAIL_VIEW_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
                  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# The interactive API description loads Swagger UI from its CDN, as FastAPI serves it.
API_DOCS_CSP = ("default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
                "style-src https://cdn.jsdelivr.net; img-src data: https://fastapi.tiangolo.com; "
                "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
# Static files carry their content hash in the URL (reconnect.templating.static_url).
STATIC = {"Cache-Control": "public, max-age=31536000, immutable"}


def headers_for(path: str) -> dict[str, str]:
    if path.startswith("/static/"):
        return {**ALWAYS, **STATIC, "Content-Security-Policy": STRICT_CSP}
    # The web archive serves an email's own HTML, whose styles are inline.
    if path.startswith(("/preview", "/dev/", "/archive/")):
        csp = EMAIL_VIEW_CSP
    elif path == "/api/docs":
        csp = API_DOCS_CSP
    else:
        csp = STRICT_CSP
    headers = {**ALWAYS, "Content-Security-Policy": csp}
    if path != "/":  # the signup page is the one page meant to be found
        headers.update(PRIVATE)
    else:
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
