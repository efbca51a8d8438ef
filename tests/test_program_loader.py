"""The program loader: the shipped program loads as written, its content hash follows its
files, and its text renders safely. Every kind of editing mistake is covered in
test_program_validation.py."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from reconnect.program.loader import content_hash, load_program_dir, read_program_files
from reconnect.program.model import Program
from reconnect.program.text import markdown_to_html, render_source
from tests.support.program_files import edit, replace_body

SHIPPED = Path(__file__).resolve().parents[1] / "program" / "main"
SHIPPED_FILES = sorted(
    p.relative_to(SHIPPED).as_posix()
    for p in [SHIPPED / "program.yaml", *(SHIPPED / "stages").glob("*.md")]
)
STAGE_ORDER = [
    "welcome", "acknowledge", "share-without-blame", "root-cause", "attunement",
    "time-together", "couples-therapy", "affection", "your-wellbeing", "looking-back",
    "one-month-later",
]
ACK = "stages/acknowledge.md"


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the shipped program."""
    directory = tmp_path / "main"
    shutil.copytree(SHIPPED, directory)
    return directory


@pytest.fixture
def shipped() -> Program:
    return load_program_dir(SHIPPED)


# The shipped program


def test_shipped_program_has_its_stages_in_order(shipped: Program) -> None:
    assert [stage.key for stage in shipped.stages] == STAGE_ORDER


def test_shipped_stage_positions_follow_the_manifest(shipped: Program) -> None:
    assert [stage.position for stage in shipped.stages] == list(range(len(STAGE_ORDER)))


def test_shipped_stage_days_strictly_increase(shipped: Program) -> None:
    days = [stage.day for stage in shipped.stages]
    assert all(earlier < later for earlier, later in pairwise(days))


def test_shipped_program_starts_on_day_zero(shipped: Program) -> None:
    assert shipped.stages[0].day == 0


def test_every_shipped_stage_has_an_exercise(shipped: Program) -> None:
    for stage in shipped.stages:
        assert stage.exercise.title.strip(), stage.key
        assert stage.exercise.text.strip(), stage.key


def test_every_shipped_stage_asks_one_to_three_prompts(shipped: Program) -> None:
    for stage in shipped.stages:
        assert 1 <= len(stage.prompts) <= 3, stage.key


def test_every_shipped_subject_fits_in_seventy_characters(shipped: Program) -> None:
    for stage in shipped.stages:
        assert 0 < len(stage.subject) <= 70, stage.key


def test_shipped_program_hash_is_the_hash_of_its_files(shipped: Program) -> None:
    assert shipped.content_hash == content_hash(read_program_files(SHIPPED))


# Content hash


def test_content_hash_is_stable_for_unchanged_files(program_dir: Path) -> None:
    assert content_hash(read_program_files(program_dir)) == \
        content_hash(read_program_files(program_dir))


def test_content_hash_does_not_depend_on_where_the_program_lives(program_dir: Path) -> None:
    assert content_hash(read_program_files(program_dir)) == \
        content_hash(read_program_files(SHIPPED))


@pytest.mark.parametrize("rel", SHIPPED_FILES)
def test_content_hash_changes_when_a_file_changes(program_dir: Path, rel: str) -> None:
    before = content_hash(read_program_files(program_dir))
    path = program_dir / rel
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert content_hash(read_program_files(program_dir)) != before


def test_content_hash_changes_when_a_file_is_added(program_dir: Path) -> None:
    before = content_hash(read_program_files(program_dir))
    (program_dir / "stages" / "extra.md").write_text("", encoding="utf-8")
    assert content_hash(read_program_files(program_dir)) != before


def test_loaded_program_carries_the_hash_of_its_edited_files(program_dir: Path,
                                                             shipped: Program) -> None:
    edit(program_dir, ACK, "Until next week,", "See you next week,")
    edited = load_program_dir(program_dir)
    assert edited.content_hash == content_hash(read_program_files(program_dir))
    assert edited.content_hash != shipped.content_hash


# Rendering


def test_markdown_escapes_raw_html() -> None:
    html = markdown_to_html("Hello <script>alert('x')</script>\n\n<script>alert(1)</script>\n")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_rendered_stage_body_escapes_raw_html(program_dir: Path) -> None:
    replace_body(program_dir, ACK, "Hi {{ first_name }},\n\n<script>alert(1)</script>\n")
    stage = load_program_dir(program_dir).stage("acknowledge")
    assert stage is not None
    html = markdown_to_html(render_source(stage.body, {"first_name": "Sam",
                                                       "partner_name": "Alex"}))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_empty_partner_name_takes_the_else_branch() -> None:
    source = "{% if partner_name %}{{ partner_name }} may{% else %}Your partner may{% endif %}"
    assert render_source(source, {"first_name": "Sam", "partner_name": ""}) == "Your partner may"


def test_given_partner_name_takes_the_if_branch() -> None:
    source = "{% if partner_name %}{{ partner_name }} may{% else %}Your partner may{% endif %}"
    assert render_source(source, {"first_name": "Sam", "partner_name": "Alex"}) == "Alex may"


def test_shipped_stage_without_partner_name_reads_your_partner(shipped: Program) -> None:
    stage = shipped.stage("acknowledge")
    assert stage is not None
    text = render_source(stage.body, {"first_name": "Sam", "partner_name": "",
                                      "role": "solo", "partner": "none",
                                      "previous": {"connection": "", "hope": ""}})
    assert "Your partner may feel the distance" in text
    assert "Hi Sam," in text
