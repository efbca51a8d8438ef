"""Turning validation failures into field-by-field messages people can act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

_FRIENDLY = {
    "missing": "This field is required.",
    "int_parsing": "Please give a whole number.",
    "greater_than_equal": "Please choose a value from the list.",
    "less_than_equal": "Please choose a value from the list.",
    "string_too_long": "This is longer than we can accept.",
    "extra_forbidden": "This field is not recognised.",
    "json_invalid": "The request body is not valid JSON.",
    "model_attributes_type": "The request body must be a JSON object.",
    "dict_type": "The request body must be a JSON object.",
}


def field_errors(errors: Sequence[Any]) -> dict[str, str]:
    """``{field: message}`` from pydantic errors; model-level rules name their field
    as ``"field: message"``."""
    result: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        message = str(err.get("msg", "Invalid value."))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        field = loc[-1] if loc else "body"
        if not loc and ": " in message:
            field, message = message.split(": ", 1)
        elif err.get("type") in _FRIENDLY:
            message = _FRIENDLY[err["type"]]
        result.setdefault(field, message)
    return result


def validation_response(errors: Sequence[Any]) -> JSONResponse:
    fields = field_errors(errors)
    return JSONResponse(status_code=422, content={
        "error": "validation_failed",
        "message": "Some fields need attention; nothing was saved.",
        "fields": fields,
    })


async def request_validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError | ValidationError)
    if request.url.path.startswith("/api/"):
        return validation_response(exc.errors())
    # A page's form was tampered with (the pages' own fields are all choices).
    from api.views import message_page

    fields = ", ".join(sorted(field_errors(exc.errors())))
    return message_page(request.app.state.runtime, "Something in the form was not right", [
        f"Please go back, check {fields or 'the form'} and try again.",
    ], 422)
