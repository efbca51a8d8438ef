"""What the API description says each kind of route can answer, besides success. Every
status a route can give is listed here or beside the route, and the schema-driven fuzz
test (tests/test_api_fuzz.py) fails on any status the description does not list."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

Responses = dict[int | str, dict[str, Any]]

_ERROR_BODY = {"application/json": {"schema": {
    "type": "object", "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}}}
_PAGE = {"text/html": {"schema": {"type": "string"}}}

# Any route: a body over the cap, a form or query that fails validation, or a database
# too busy to answer in time.
COMMON: Responses = {
    413: {"description": "The request body is larger than the cap; nothing was read."},
    422: {"description": "A field failed validation; nothing was saved."},
    503: {"description": "The database is busy or unreachable; try again after "
                         "Retry-After seconds. Nothing was saved."},
}
PAGE_ERRORS: Responses = {code: {**doc, "content": _PAGE} for code, doc in COMMON.items()}
API_ERRORS: Responses = {code: {**doc, "content": _ERROR_BODY} for code, doc in COMMON.items()}

# Routes reached by a link's token.
TOKEN_PAGE_ERRORS: Responses = {
    400: {"description": "The link is not valid (changed, cut short, or its holder's data "
                         "was erased): a page that says what to do next.",
          "content": _PAGE},
    410: {"description": "The link has expired, or was already used.", "content": _PAGE},
}
TOKEN_API_ERRORS: Responses = {
    401: {"description": "The token is not valid (token_invalid).", "content": _ERROR_BODY},
    410: {"description": "The token has expired or was used (token_expired, token_used).",
          "content": _ERROR_BODY},
}
ADMIN_ERRORS: Responses = {
    401: {"description": "No admin token, or a wrong one.", "content": _ERROR_BODY},
    404: {"description": "Admin access is off (no admin token configured), or no such "
                         "partner.", "content": _ERROR_BODY},
    429: {"description": "Too many wrong tokens from this client; try again after "
                         "Retry-After seconds.", "content": _ERROR_BODY},
}


ADMIN_SCHEME = "adminBearer"


def with_admin_security(app: FastAPI) -> None:
    """Adds the admin bearer scheme to the description, required by every admin route."""
    build = app.openapi

    def described() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})[ADMIN_SCHEME] = {
            "type": "http", "scheme": "bearer",
            "description": "RECONNECT_ADMIN_TOKEN. Without it configured, admin routes "
                           "answer 404."}
        for path, operations in schema.get("paths", {}).items():
            if path.startswith("/api/v1/admin"):
                for operation in operations.values():
                    operation["security"] = [{ADMIN_SCHEME: []}]
        app.openapi_schema = schema
        return schema

    app.openapi = described  # type: ignore[method-assign]
