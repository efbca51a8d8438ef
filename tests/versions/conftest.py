"""A private copy of the main program that tests edit while partners are in it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconnect.settings import PROJECT_ROOT, Settings


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "program" / "main", tmp_path / "main")
    return tmp_path


@pytest.fixture
def settings(base_settings: Settings, program_dir: Path) -> Settings:
    # Look at the files on every use, as a long-running process does every so often.
    return base_settings.model_copy(update={"program_dir": program_dir,
                                            "program_reload_seconds": 0.0})
