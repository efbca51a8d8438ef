"""The program loader: the shipped program loads, and every kind of editing mistake is
reported against the file and field it is in, all at once, before anything is sent."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from reconnect.program.loader import (
    Problem,
    ProgramError,
    content_hash,
    load_program_dir,
    read_program_files,
)
from reconnect.program.model import Program
from reconnect.program.text import markdown_to_html, render_source

SHIPPED = Path(__file__).resolve().parents[1] / "program" / "main"
SHIPPED_FILES = sorted(
    p.relative_to(SHIPPED).as_posix()
    for p in [SHIPPED / "program.yaml", *(SHIPPED / "stages").glob("*.md")]
)
STAGE_ORDER = [
    "welcome", "acknowledge", "share-without-blame", "root-cause", "attunement",
    "time-together", "couples-therapy", "affection", "your-wellbeing", "looking-back",
]
ACK = "stages/acknowledge.md"
WELCOME = "stages/welcome.md"
ACK_FIRST_BODY_LINE = "Hi {{ first_name }},"


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the shipped program."""
    directory = tmp_path / "main"
    shutil.copytree(SHIPPED, directory)
    return directory


@pytest.fixture
def shipped() -> Program:
    return load_program_dir(SHIPPED)


def edit(directory: Path, rel: str, old: str, new: str) -> None:
    """Replace the first ``old`` in one file; fails loudly if the fixture text has moved."""
    path = directory / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def replace_body(directory: Path, rel: str, body: str) -> None:
    path = directory / rel
    head, sep, _ = path.read_text(encoding="utf-8").partition("\n---\n")
    assert sep
    path.write_text(head + sep + body, encoding="utf-8")


def replace_front_matter(directory: Path, rel: str, front: str) -> None:
    path = directory / rel
    _, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    assert sep
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def file_line_of(directory: Path, rel: str, line: str) -> int:
    """1-based line number of ``line`` in the file, as an editor's screen shows it."""
    return (directory / rel).read_text(encoding="utf-8").splitlines().index(line) + 1


def problems_loading(directory: Path) -> list[Problem]:
    with pytest.raises(ProgramError) as caught:
        load_program_dir(directory)
    assert caught.value.problems, "a ProgramError must carry at least one problem"
    return caught.value.problems


def find_problem(problems: list[Problem], file: str, field: str, fragment: str) -> Problem:
    """The problem reported for ``file``/``field`` whose message contains ``fragment``;
    its printed form must name the file and the field so an editor can find it."""
    for problem in problems:
        if problem.file == file and problem.field == field and fragment in problem.message:
            text = str(problem)
            assert file in text
            assert field in text
            assert fragment in text
            return problem
    raise AssertionError(f"no problem for {file} {field!r} containing {fragment!r} in "
                         f"{[str(p) for p in problems]}")


# The shipped program


def test_shipped_program_has_ten_stages_in_order(shipped: Program) -> None:
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


# One mistake at a time


def test_missing_required_field_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, 'subject: "Week 1: putting a name to it"\n', "")
    problem = find_problem(problems_loading(program_dir), ACK, "subject", "is required")
    assert str(problem) == "stages/acknowledge.md: subject: is required"


def test_unknown_field_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, "day: 7\n", "day: 7\ncolour: blue\n")
    find_problem(problems_loading(program_dir), ACK, "colour", "unknown field")


def test_stage_listed_twice_is_reported(program_dir: Path) -> None:
    edit(program_dir, "program.yaml", "  - acknowledge\n", "  - acknowledge\n  - acknowledge\n")
    find_problem(problems_loading(program_dir), "program.yaml", "stages",
                 "'acknowledge' is listed twice")


def test_listed_stage_without_a_file_is_reported(program_dir: Path) -> None:
    (program_dir / ACK).unlink()
    find_problem(problems_loading(program_dir), "program.yaml", "stages",
                 "'acknowledge' is listed but stages/acknowledge.md is missing")


def test_stage_file_not_listed_is_reported(program_dir: Path) -> None:
    edit(program_dir, "program.yaml", "  - acknowledge\n", "")
    find_problem(problems_loading(program_dir), ACK, "", "not listed under stages")


def test_day_going_backwards_is_reported(program_dir: Path) -> None:
    edit(program_dir, "stages/root-cause.md", "day: 21\n", "day: 3\n")
    problem = find_problem(problems_loading(program_dir), "stages/root-cause.md", "day",
                           "day 3 must come after")
    assert "share-without-blame" in problem.message


def test_day_repeating_the_previous_stage_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, "day: 7\n", "day: 0\n")
    find_problem(problems_loading(program_dir), ACK, "day", "must come after 'welcome'")


def test_scale_prompt_without_labels_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, '    low_label: "Not yet"\n    high_label: "Very clearly"\n', "")
    find_problem(problems_loading(program_dir), ACK, "prompts.1",
                 "a scale prompt needs low_label and high_label")


def test_choice_prompt_with_one_choice_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK,
         '      - value: heavy\n        label: "Heavy or sad"\n'
         '      - value: scary\n        label: "A bit frightening"\n'
         '      - value: mixed\n        label: "A mix of things"\n', "")
    find_problem(problems_loading(program_dir), ACK, "prompts.2",
                 "a choice prompt needs 2 to 5 choices")


def test_duplicate_prompt_keys_are_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, "key: noticed", "key: connection")
    problems = problems_loading(program_dir)
    # The check spans all prompts, so it is reported against the stage as a whole.
    find_problem(problems, ACK, "", "prompt keys must be unique")


def test_subject_over_seventy_characters_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, 'subject: "Week 1: putting a name to it"', f'subject: "{"x" * 71}"')
    find_problem(problems_loading(program_dir), ACK, "subject", "at most 70 characters")


def test_an_encoded_word_in_a_subject_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, 'subject: "Week 1: putting a name to it"',
         'subject: "=?utf-8?q?Hi=0D=0ABcc=3A_x?="')
    find_problem(problems_loading(program_dir), ACK, "subject", "encoded header word")


def test_subject_of_exactly_seventy_characters_is_accepted(program_dir: Path) -> None:
    edit(program_dir, ACK, 'subject: "Week 1: putting a name to it"', f'subject: "{"x" * 70}"')
    stage = load_program_dir(program_dir).stage("acknowledge")
    assert stage is not None
    assert stage.subject == "x" * 70


def test_undefined_variable_in_body_is_reported_with_the_allowed_names(
        program_dir: Path) -> None:
    edit(program_dir, ACK, ACK_FIRST_BODY_LINE, "Hi {{ last_name }},")
    problem = find_problem(problems_loading(program_dir), ACK, "body", "'last_name' is undefined")
    assert "first_name, partner_name" in problem.message


def test_undefined_variable_in_exercise_text_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, "Find fifteen quiet minutes", "{{ nickname }}, find fifteen minutes")
    find_problem(problems_loading(program_dir), ACK, "exercise.text", "'nickname' is undefined")


def test_jinja_syntax_error_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, ACK_FIRST_BODY_LINE, "Hi {{ first_name },")
    problems = problems_loading(program_dir)
    assert len(problems) == 1
    assert problems[0].file == ACK
    assert problems[0].field.startswith("body line ")
    assert problems[0].message.startswith("template error:")
    assert "unexpected '}'" in problems[0].message


def test_jinja_syntax_error_names_the_line_of_the_file(program_dir: Path) -> None:
    line = file_line_of(program_dir, ACK, ACK_FIRST_BODY_LINE)
    edit(program_dir, ACK, ACK_FIRST_BODY_LINE, "Hi {{ first_name },")
    find_problem(problems_loading(program_dir), ACK, f"body line {line}", "template error")


def test_body_that_renders_to_nothing_is_reported(program_dir: Path) -> None:
    replace_body(program_dir, ACK, "{% if partner_name == 'nobody' %}Hello{% endif %}\n")
    find_problem(problems_loading(program_dir), ACK, "body", "renders to an empty text")


def test_empty_body_is_reported(program_dir: Path) -> None:
    replace_body(program_dir, ACK, "\n\n")
    find_problem(problems_loading(program_dir), ACK, "body", "renders to an empty text")


def test_malformed_front_matter_yaml_is_reported_with_its_line(program_dir: Path) -> None:
    # Line 1 is the opening '---', line 2 'day: 7', so the inserted line is line 3.
    edit(program_dir, ACK, "day: 7\n", "day: 7\n  title: a: b\n")
    problem = find_problem(problems_loading(program_dir), ACK, "line 3",
                           "mapping values are not allowed here")
    assert "check indentation and quoting" in problem.message


def test_file_without_opening_dashes_is_reported(program_dir: Path) -> None:
    edit(program_dir, ACK, "---\nday: 7\n", "day: 7\n")
    find_problem(problems_loading(program_dir), ACK, "", "must start with a '---' line")


def test_front_matter_that_is_not_a_mapping_is_reported(program_dir: Path) -> None:
    replace_front_matter(program_dir, ACK, "- just\n- a list\n")
    find_problem(problems_loading(program_dir), ACK, "", "'field: value' lines")


def test_empty_front_matter_is_reported(program_dir: Path) -> None:
    replace_front_matter(program_dir, ACK, "# to do\n")
    problems = problems_loading(program_dir)
    assert any(problem.file == ACK for problem in problems)


def test_empty_manifest_is_reported(program_dir: Path) -> None:
    (program_dir / "program.yaml").write_text("", encoding="utf-8")
    problems = problems_loading(program_dir)
    assert any(problem.file == "program.yaml" for problem in problems)


def test_stage_file_that_is_not_utf8_is_reported(program_dir: Path) -> None:
    path = program_dir / ACK
    text = path.read_text(encoding="utf-8").replace("Hi {{", "Hé {{", 1)
    path.write_bytes(text.encode("latin-1", errors="replace"))
    problem = find_problem(problems_loading(program_dir), ACK, "", "is not UTF-8")
    assert "save it as UTF-8" in problem.message


def test_directory_without_manifest_is_reported(tmp_path: Path) -> None:
    problems = problems_loading(tmp_path)
    assert "no program.yaml" in str(problems[0])


@pytest.mark.parametrize("expression", [
    "{{ first_name.__class__.__mro__ }}",
    "{{ ''.__class__.__subclasses__() }}",
    "{{ first_name.__class__.__base__.__subclasses__() }}",
])
def test_reaching_python_internals_is_a_validation_problem(
        program_dir: Path, expression: str) -> None:
    edit(program_dir, ACK, ACK_FIRST_BODY_LINE, f"Hi {expression},")
    find_problem(problems_loading(program_dir), ACK, "body",
                 "access to attribute '__class__' of 'str' object is unsafe")


def test_problems_in_several_files_are_reported_together(program_dir: Path) -> None:
    edit(program_dir, ACK, 'subject: "Week 1: putting a name to it"\n', "")
    edit(program_dir, WELCOME, "Hi {{ first_name }},", "Hi {{ last_name }},")
    edit(program_dir, "stages/attunement.md", "day: ", "colour: blue\nday: ")
    (program_dir / "stages" / "extra.md").write_text("stray\n", encoding="utf-8")
    problems = problems_loading(program_dir)
    find_problem(problems, ACK, "subject", "is required")
    find_problem(problems, WELCOME, "body", "'last_name' is undefined")
    find_problem(problems, "stages/attunement.md", "colour", "unknown field")
    find_problem(problems, "stages/extra.md", "", "not listed under stages")
    assert len({problem.file for problem in problems}) == 4


def test_program_error_message_lists_every_problem(program_dir: Path) -> None:
    edit(program_dir, ACK, 'subject: "Week 1: putting a name to it"\n', "")
    edit(program_dir, WELCOME, "Hi {{ first_name }},", "Hi {{ last_name }},")
    with pytest.raises(ProgramError) as caught:
        load_program_dir(program_dir)
    message = str(caught.value)
    for problem in caught.value.problems:
        assert str(problem) in message


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
                                      "previous": {"connection": "", "hope": ""}})
    assert "Your partner may feel the distance" in text
    assert "Hi Sam," in text


def test_a_slug_that_differs_from_its_folder_is_reported(tmp_path: Path) -> None:
    directory = tmp_path / "renamed"
    shutil.copytree(SHIPPED, directory)
    with pytest.raises(ProgramError) as caught:
        load_program_dir(directory)
    assert "folder is 'renamed'" in str(caught.value)
