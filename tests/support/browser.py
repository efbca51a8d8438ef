"""Real headless Chromium (Debian's package) for page tests, and axe-core for checking
pages' accessibility."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from reconnect.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE = PROJECT_ROOT / ".venv" / "share" / "axe-core-4.10.2" / "axe.min.js"

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason="axe-core is not fetched (scripts/fetch-axe needs npm)")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A/AA)."""
    # Evaluated through the DevTools protocol, which the pages' Content-Security-Policy
    # (no inline or foreign script) does not govern, unlike an added <script> tag.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
