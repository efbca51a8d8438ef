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
MAX_NAME_WORDS = 4
MAX_EMAIL = 254
# Between letters, what real names use: spaces, hyphens, apostrophes and dots, and the
# zero-width joiners some scripts need inside a word (Persian, Malayalam, Sinhala…).
_JOINERS = frozenset("'’ʼ.-‐")
_ZERO_WIDTH = frozenset("\u200c\u200d")
# A dot with two or more letters after it reads as a domain ("bank.example"); an
# initial ("J.R.") does not.
_DOMAIN_LIKE = re.compile(r"[^\W\d_]\.[^\W\d_]{2,}")
_WEB_WORDS = re.compile(r"(?i)\b(?:www|https?)\b")
_CONTACT_LIKE = re.compile(r"@|://|\d(?:[\s\-().]*\d){2,}")
# Real scripts stack at most three marks on a letter; more is only for breaking layouts.
MAX_MARKS_IN_A_ROW = 3


def clean_name(value: str) -> str:
    """A first name in any script, or a clear reason why not.

    Letters and combining marks of every script are accepted (प्रिया, தமிழ், Zoë in either
    normal form), any kind of space becomes a plain one. Digits, symbols and control
    characters are refused, and so is anything that reads as a web address, domain, email
    address or phone number: names are shown to the other partner and in the invitation,
    and must never carry a stranger's message or link."""
    value = unicodedata.normalize("NFC", value)
    value = " ".join("".join(" " if unicodedata.category(c) == "Zs" else c
                             for c in value).split())
    if not value:
        raise ValueError("Please tell us a first name.")
    if len(value) > MAX_NAME:
        raise ValueError(f"Please keep the name to {MAX_NAME} characters or fewer.")
    if _DOMAIN_LIKE.search(value) or _WEB_WORDS.search(value) or _CONTACT_LIKE.search(value):
        raise ValueError("A name cannot look like a web address, an email address or a "
                         "phone number.")
    if not _letters_and_joiners_only(value):
        raise ValueError("A name can use letters, spaces, hyphens, apostrophes and dots only.")
    if len(value.split(" ")) > MAX_NAME_WORDS:
        raise ValueError(f"Please use at most {MAX_NAME_WORDS} words: the name you go by.")
    return value


def _letters_and_joiners_only(value: str) -> bool:
    if not unicodedata.category(value[0]).startswith("L"):
        return False
    marks = 0
    for char in value:
        kind = unicodedata.category(char)
        if kind.startswith("M"):
            marks += 1
            if marks > MAX_MARKS_IN_A_ROW:
                return False
            continue
        marks = 0
        if not (kind.startswith("L") or char == " " or char in _JOINERS
                or char in _ZERO_WIDTH):
            return False
    return True


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
