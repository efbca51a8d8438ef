"""Shared by the preview tests: the shipped programs, an admin token, a program folder
of one's own to break, and a parser for the links and frames of a page."""

from __future__ import annotations

import base64
import shutil
from html.parser import HTMLParser
from pathlib import Path

from reconnect.program.loader import program_dirs
from reconnect.settings import PROJECT_ROOT

SHIPPED = program_dirs(PROJECT_ROOT / "program")
ADMIN_TOKEN = "preview-test-admin-token-0123456789"
BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"editor:{ADMIN_TOKEN}".encode()).decode()}


def copy_program(root: Path, slug: str = "main") -> Path:
    """A copy of a shipped program under ``root`` (a program folder), to edit freely."""
    shutil.copytree(PROJECT_ROOT / "program" / slug, root / slug)
    return root / slug


class Elements(HTMLParser):
    """The attributes of every ``<a>``, ``<iframe>`` and ``<pre>`` on a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: dict[str, list[dict[str, str]]] = {"a": [], "iframe": [], "pre": []}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.found:
            self.found[tag].append({k: v or "" for k, v in attrs})

    @property
    def hrefs(self) -> list[str]:
        return [a["href"] for a in self.found["a"] if "href" in a]

    @property
    def frames(self) -> list[dict[str, str]]:
        return self.found["iframe"]
