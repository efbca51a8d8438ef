"""Every setting is explained where operators look for it."""

from __future__ import annotations

import pytest

from reconnect.settings import PROJECT_ROOT, Settings

VARIABLES = [f"RECONNECT_{name.upper()}" for name in Settings.model_fields]


@pytest.mark.parametrize("document", [".env.example", "docs/configuration.md"])
def test_every_setting_is_documented(document: str) -> None:
    text = (PROJECT_ROOT / document).read_text(encoding="utf-8")
    assert [v for v in VARIABLES if v not in text] == []
