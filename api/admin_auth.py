"""Admin access: ``Authorization: Bearer <token>``, or HTTP Basic with any user name and
the token as the password (so a browser asks for it). With no admin token configured,
admin pages do not exist: they answer 404."""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import HTTPException, Request

from api.deps import RuntimeDep

REALM = 'Basic realm="Reconnect admin"'


def require_admin(request: Request, rt: RuntimeDep) -> None:
    expected = rt.settings.admin_token
    if expected is None:
        raise HTTPException(404, "Not Found")
    given = presented_token(request.headers.get("authorization", ""))
    # Compared in constant time, as bytes (compare_digest on str refuses non-ASCII).
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "This page is for the program's editors. Sign in with the "
                                 "admin token as the password (any user name).",
                            headers={"WWW-Authenticate": REALM})


def presented_token(authorization: str) -> str | None:
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None
