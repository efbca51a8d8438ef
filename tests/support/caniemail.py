"""caniemail's data for the client-support tests: fetched by scripts/fetch-caniemail
(scripts/test runs it first; run here too when pytest is started on its own)."""

from __future__ import annotations

import subprocess
from functools import cache

import pytest

from reconnect.mail.checks.caniemail import SupportData, SupportDataMissing, load_support_data
from reconnect.settings import PROJECT_ROOT


@cache
def _fetched() -> SupportData | str:
    try:
        return load_support_data()
    except SupportDataMissing:
        pass
    run = subprocess.run([PROJECT_ROOT / "scripts" / "fetch-caniemail"], capture_output=True,
                         text=True, check=False, timeout=300)
    try:
        return load_support_data()
    except SupportDataMissing as exc:
        return f"{exc}; scripts/fetch-caniemail said: {run.stderr.strip() or run.returncode}"


def caniemail_data() -> SupportData:
    """The data, or a skip that says why it could not be had."""
    found = _fetched()
    if isinstance(found, str):
        pytest.skip(f"caniemail's data could not be fetched: {found}")
    return found
