"""Field rules shared by every way in (HTML forms, JSON API, CLI)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field

MAX_NAME = 60
MAX_EMAIL = 254
# Letters from any script, with the spaces, hyphens, apostrophes and dots real names use.
# Everything else (digits, angle brackets, "=?", control characters) is refused, so a
# name can never smuggle an encoded word or a header break into an email.
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.\-])*$")


def clean_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value.strip())
    if not value:
        raise ValueError("Please tell us a first name.")
    if len(value) > MAX_NAME:
        raise ValueError(f"Please keep the name to {MAX_NAME} characters or fewer.")
    if not _NAME.match(value):
        raise ValueError("A name can use letters, spaces, hyphens, apostrophes and dots only.")
    return value


def clean_email(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_EMAIL:
        raise ValueError("That email address is too long.")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("That email address contains characters that are not allowed.")
    try:
        # Not every relay on the way accepts internationalised local parts (SMTPUTF8),
        # and an email we cannot send would only fail later; an international domain is
        # fine, kept in its ASCII (IDNA) form.
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"That does not look like an email address we can write to: {exc}") \
            from exc
    local, _, domain = (result.ascii_email or result.normalized).rpartition("@")
    return f"{local}@{domain.lower()}".lower()


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def sorted_timezones() -> list[str]:
    return sorted(known_timezones())


def clean_timezone(value: str) -> str:
    value = value.strip()
    if value not in known_timezones():
        raise ValueError("Please choose a time zone from the list (for example Europe/London).")
    return value


Name = Annotated[str, Field(max_length=200), AfterValidator(clean_name)]
Email = Annotated[str, Field(max_length=400), AfterValidator(clean_email)]
Timezone = Annotated[str, Field(max_length=64), AfterValidator(clean_timezone)]
SendHour = Annotated[int, Field(ge=0, le=23)]
