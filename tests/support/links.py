"""Finding the links a person would click in an email."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from tests.support.smtp import Received

_URL = re.compile(r"https?://[^\s<>\"]+")
_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')


def links(message: Received) -> list[str]:
    """The links of the HTML part, in order: what most people tap."""
    return [html.unescape(href) for href in _HREF.findall(message.html)]


def text_links(message: Received) -> list[str]:
    """The links of the plain-text part, in order."""
    return _URL.findall(message.text)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def confirm_path(message: Received) -> str:
    return next(path_of(u) for u in links(message) if "/confirm/" in u)


def reflect_paths(message: Received) -> list[str]:
    """One link per answer (``…/reflect/<token>/<question>?answer=<value>``)."""
    return [path_of(u) for u in links(message) if "/reflect/" in u]


def question_paths(message: Received) -> list[str]:
    """The plain-text part's one link per question (no answer chosen)."""
    return [path_of(u) for u in text_links(message) if "/reflect/" in u]


def unsubscribe_path(message: Received) -> str:
    header = str(message.message["List-Unsubscribe"])
    return path_of(header.strip("<>"))


def preferences_path(message: Received) -> str:
    return next(path_of(u) for u in links(message) if "/preferences/" in u)


def help_path(message: Received) -> str:
    return next(path_of(u) for u in links(message) if "/help/" in u)


def journey_path(message: Received) -> str:
    return next(path_of(u) for u in links(message) if "/journey/" in u)
