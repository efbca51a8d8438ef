"""Admin access: ``Authorization: Bearer <token>``, or HTTP Basic with any user name and
the token as the password (so a browser asks for it). With no admin token configured,
admin pages and the admin API do not exist: they answer 404.

Wrong tokens are counted per client (``reconnect.admin.lockout``); past the limit the
client gets 429 with ``Retry-After``, even with the right token, until the window passes.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import NoReturn

from fastapi import HTTPException, Request

from api.deps import RuntimeDep, client_address
from api.v1 import ApiError
from reconnect.admin.lockout import AdminLockout, tokens_match

log = logging.getLogger(__name__)
REALM = 'Basic realm="Reconnect admin"'
API_REALM = 'Bearer realm="Reconnect admin"'
SIGN_IN = ("This page is for the program's editors and operators. Sign in with the admin "
           "token as the password (any user name).")
TOO_MANY = "Too many wrong admin tokens from this address; please try again later."


def require_admin(request: Request, rt: RuntimeDep) -> None:
    expected = rt.settings.admin_token
    if expected is None:
        raise HTTPException(404, "Not Found")
    lockout: AdminLockout = request.app.state.admin_lockout
    client = client_address(request)
    wait = lockout.retry_after(client)
    if wait is not None:
        log.warning("admin sign-in refused: too many failures", extra={"client": client})
        _refuse(request, 429, "rate_limited", TOO_MANY, {"Retry-After": str(wait)},
                retry_after=wait)
    given = presented_token(request.headers.get("authorization", ""),
                            basic_allowed=_browser_page(request))
    if given is not None and tokens_match(given, expected):
        return
    if given is not None:  # no credential at all is not a guess: not counted
        lockout.failed(client)
        log.warning("admin sign-in failed: wrong token", extra={"client": client})
    api = request.url.path.startswith("/api/")
    _refuse(request, 401, "unauthorized", SIGN_IN,
            {"WWW-Authenticate": API_REALM if api else REALM})


def _refuse(request: Request, status: int, error: str, message: str,
            headers: dict[str, str], **extra: object) -> NoReturn:
    """JSON for the API, the friendly page (and a browser's password prompt) elsewhere."""
    if request.url.path.startswith("/api/"):
        raise ApiError(status, error, message, headers=headers, **extra)
    raise HTTPException(status, message, headers=headers)


def _browser_page(request: Request) -> bool:
    """Whether HTTP Basic is accepted: only to read the admin pages. A browser sends
    Basic credentials it remembers with any request to the site, also one that another
    site's page makes it send, so anything that changes something (the admin API) or is
    read by machines (/metrics) takes the Bearer token, which a browser never adds."""
    return request.method in ("GET", "HEAD") and not request.url.path.startswith("/api/") \
        and request.url.path != "/metrics"


def presented_token(authorization: str, *, basic_allowed: bool = True) -> str | None:
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic" and basic_allowed:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None
