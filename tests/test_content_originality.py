"""Every word of the program is the project's own: no run of eight words is shared with
the article the program draws its ideas from (kept here only as fingerprints)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnect.program.originality import fingerprints, shared_runs
from reconnect.settings import PROJECT_ROOT

SOURCE = {line.strip() for line in
          (PROJECT_ROOT / "tests" / "data" / "source-fingerprints.txt").read_text().splitlines()
          if line.strip()}
CONTENT = sorted(p for p in (PROJECT_ROOT / "program").rglob("*")
                 if p.suffix in (".md", ".yaml"))


def test_the_fingerprints_of_the_source_are_there() -> None:
    assert len(SOURCE) > 1000


@pytest.mark.parametrize("path", CONTENT, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_program_file_shares_eight_words_in_a_row_with_the_source(path: Path) -> None:
    assert shared_runs(path.read_text(encoding="utf-8"), SOURCE) == []


def test_a_run_of_eight_words_is_found_whatever_its_case_and_punctuation() -> None:
    source = fingerprints("Once upon a time the kettle sang softly in the quiet kitchen.")
    assert shared_runs("THE KETTLE SANG, softly, in the quiet kitchen!", source) == [
        "the kettle sang softly in the quiet kitchen"]


def test_seven_shared_words_are_not_a_copy() -> None:
    source = fingerprints("Once upon a time the kettle sang softly in the quiet kitchen.")
    assert shared_runs("the kettle sang softly in the quiet room", source) == []
