"""The program check: every kind of editing mistake is reported, all at once, with its
file, its line where it has one, and a fix the editor can act on.

Each test writes a small valid program (a manifest and two stages) and makes one
mistake in it, as an editor might.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnect.program.loader import (
    Problem,
    ProgramError,
    load_program_dir,
    parse_program,
    program_dirs,
    read_program_files,
)
from reconnect.program.model import Program
from reconnect.settings import PROJECT_ROOT
from tests.support.program_files import (
    edit,
    find_problem,
    line_with,
    problems_loading,
    replace_body,
)

MANIFEST = "program.yaml"
HELLO = "stages/hello.md"
LATER = "stages/later.md"

MANIFEST_TEXT = """\
slug: tiny
title: "Tiny: two weeks"
description: A program of two stages, for tests.
sender_name: Reconnect
safety_note: "If you ever feel unsafe at home, help is available."
stages:
  - hello
  - later
"""

HELLO_TEXT = """\
---
day: 0
title: Hello
subject: "Week 0: hello"
preheader: "A first short note."
exercise:
  title: "Notice one moment"
  text: |
    Notice one moment this week when you felt close.

    Write it down.
prompts:
  - key: connection
    question: "How connected did you feel this week?"
    kind: scale
    low_label: "Very distant"
    high_label: "Very close"
  - key: mood
    question: "How do you feel about starting?"
    kind: choice
    choices:
      - value: hopeful
        label: "Hopeful"
      - value: unsure
        label: "Unsure"
---
Hi {{ first_name }},

## Why we start here

A short first letter.
"""

LATER_TEXT = """\
---
day: 7
title: Later
subject: "Week 1: later"
preheader: "A second short note."
exercise:
  title: "Say one kind thing"
  text: "Say one kind thing to {% if partner_name %}{{ partner_name }}{% else %}them{% endif %}."
prompts:
  - key: connection
    question: "How connected did you feel this week?"
    kind: scale
    low_label: "Very distant"
    high_label: "Very close"
---
Hi {{ first_name }},

A second letter.
{% if previous.connection in ["1", "2"] %}
## If last week felt far apart

Go gently.
{% endif %}
"""


def write_program(directory: Path) -> Path:
    (directory / "stages").mkdir(parents=True)
    for rel, text in ((MANIFEST, MANIFEST_TEXT), (HELLO, HELLO_TEXT), (LATER, LATER_TEXT)):
        (directory / rel).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A small valid program, ready for one mistake."""
    return write_program(tmp_path / "tiny")


def only_problem(directory: Path) -> Problem:
    [problem] = problems_loading(directory)
    return problem


def shipped_programs() -> list[Path]:
    return program_dirs(PROJECT_ROOT / "program")


# Valid programs


def test_the_small_program_used_below_is_valid(tiny: Path) -> None:
    program = load_program_dir(tiny)
    assert [stage.key for stage in program.stages] == ["hello", "later"]


@pytest.mark.parametrize("directory", shipped_programs(), ids=lambda p: p.name)
def test_every_shipped_program_validates(directory: Path) -> None:
    assert isinstance(load_program_dir(directory), Program)


def test_a_problem_reads_as_one_line_with_file_line_field_and_fix() -> None:
    problem = Problem("stages/hello.md", "prompts.0.kind", "is 'slider'; it must be "
                      "'scale' or 'choice'", line=12, fix="write 'scale' or 'choice'")
    assert str(problem) == ("stages/hello.md line 12: prompts.0.kind: is 'slider'; it must be "
                            "'scale' or 'choice' — fix: write 'scale' or 'choice'")
    assert str(Problem("stages/x.md", "", "not listed")) == "stages/x.md: not listed"


# 1. Missing and unknown fields


def test_an_unknown_front_matter_field_is_reported_with_its_line(tiny: Path) -> None:
    edit(tiny, HELLO, "title: Hello\n", "title: Hello\ncolour: blue\n")
    find_problem(problems_loading(tiny), HELLO, "unknown field 'colour'", field="colour",
                 line=line_with(tiny, HELLO, "colour: blue"), fix="check its spelling")


def test_a_misspelt_field_suggests_the_field_it_resembles(tiny: Path) -> None:
    edit(tiny, HELLO, "    question: \"How do", "    questoin: \"How do")
    problems = problems_loading(tiny)
    find_problem(problems, HELLO, "unknown field 'questoin'", field="prompts.1.questoin",
                 line=line_with(tiny, HELLO, "questoin:"), fix="did you mean 'question'?")


def test_a_missing_front_matter_field_is_reported_at_the_line_of_its_parent(
        tiny: Path) -> None:
    edit(tiny, HELLO, '  title: "Notice one moment"\n', "")
    find_problem(problems_loading(tiny), HELLO, "is required", field="exercise.title",
                 line=line_with(tiny, HELLO, "exercise:"), fix="add a 'title: …' line")


def test_a_missing_top_level_field_is_reported_at_the_first_front_matter_line(
        tiny: Path) -> None:
    edit(tiny, HELLO, 'subject: "Week 0: hello"\n', "")
    find_problem(problems_loading(tiny), HELLO, "is required", field="subject", line=2,
                 fix="add a 'subject: …' line")


def test_a_missing_field_of_a_choice_is_reported_at_that_choice(tiny: Path) -> None:
    edit(tiny, HELLO, '        label: "Unsure"\n', "")
    find_problem(problems_loading(tiny), HELLO, "is required", field="prompts.1.choices.1.label",
                 line=line_with(tiny, HELLO, "- value: unsure"), fix="add a 'label: …' line")


def test_an_unknown_manifest_field_is_reported_with_its_line(tiny: Path) -> None:
    edit(tiny, MANIFEST, "sender_name: Reconnect\n", "sender_name: Reconnect\nsender: Me\n")
    find_problem(problems_loading(tiny), MANIFEST, "unknown field 'sender'", field="sender",
                 line=5, fix="remove it")


def test_a_missing_manifest_field_is_reported(tiny: Path) -> None:
    edit(tiny, MANIFEST, "sender_name: Reconnect\n", "")
    find_problem(problems_loading(tiny), MANIFEST, "is required", field="sender_name", line=1,
                 fix="add a 'sender_name: …' line")


# 2. A YAML key written twice


def test_a_key_written_twice_is_reported_with_both_lines(tiny: Path) -> None:
    edit(tiny, HELLO, "preheader:", 'subject: "Week 0: hello again"\npreheader:')
    first, second = line_with(tiny, HELLO, "subject:"), line_with(tiny, HELLO, "hello again")
    find_problem(problems_loading(tiny), HELLO, f"written twice, on lines {first} and {second}",
                 field="subject", line=second, fix="keep one of the two")


def test_a_key_written_twice_inside_a_prompt_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, "    kind: choice\n", "    kind: choice\n    kind: scale\n")
    find_problem(problems_loading(tiny), HELLO, "written twice", field="prompts.1.kind",
                 line=line_with(tiny, HELLO, "kind: choice") + 1, fix="delete the other")


# 3. Stages in the manifest


def test_a_stage_listed_twice_is_reported_with_its_line(tiny: Path) -> None:
    edit(tiny, MANIFEST, "  - later\n", "  - later\n  - hello\n")
    find_problem(problems_loading(tiny), MANIFEST, "stage 'hello' is listed twice (also on "
                 "line 7)", field="stages", line=9, fix="remove one of the two lines")


@pytest.mark.parametrize("key", ["index", "version"])
def test_a_stage_key_the_preview_needs_for_itself_is_refused(tiny: Path, key: str) -> None:
    edit(tiny, MANIFEST, "  - later\n", f"  - later\n  - {key}\n")
    find_problem(problems_loading(tiny), MANIFEST, f"'{key}' cannot be a stage key",
                 field="stages", line=9, fix="rename")


def test_a_listed_stage_without_a_file_is_reported_with_its_line(tiny: Path) -> None:
    edit(tiny, MANIFEST, "  - later\n", "  - later\n  - afterwards\n")
    find_problem(problems_loading(tiny), MANIFEST, "'afterwards' is listed but "
                 "stages/afterwards.md is missing", field="stages", line=9,
                 fix="create stages/afterwards.md")


def test_a_stage_file_not_listed_is_reported(tiny: Path) -> None:
    (tiny / "stages" / "extra.md").write_text(LATER_TEXT, encoding="utf-8")
    find_problem(problems_loading(tiny), "stages/extra.md", "not listed under stages",
                 fix="add '  - extra' to stages in program.yaml")


def test_a_slug_that_differs_from_its_folder_is_reported_with_its_line(tmp_path: Path) -> None:
    directory = write_program(tmp_path / "renamed")
    find_problem(problems_loading(directory), MANIFEST, "is 'tiny' but the folder is "
                 "'renamed'", field="slug", line=1, fix="make them the same")


# 4. Timing


def test_a_day_that_goes_backwards_is_reported_at_its_day_line(tiny: Path) -> None:
    edit(tiny, HELLO, "day: 0\n", "day: 14\n")
    find_problem(problems_loading(tiny), LATER, "day 7 must come after 'hello' (day 14)",
                 field="day", line=2, fix="use a day after 14")


def test_a_day_repeating_the_previous_stage_is_reported(tiny: Path) -> None:
    edit(tiny, LATER, "day: 7\n", "day: 0\n")
    find_problem(problems_loading(tiny), LATER, "must come after 'hello'", line=2)


# 5. Prompts without answers, and prompt keys


def test_a_choice_prompt_without_choices_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, '    choices:\n      - value: hopeful\n        label: "Hopeful"\n'
         '      - value: unsure\n        label: "Unsure"\n', "")
    find_problem(problems_loading(tiny), HELLO, "a choice prompt needs 2 to 5 choices; it has "
                 "none", field="prompts.1.kind", line=line_with(tiny, HELLO, "kind: choice"),
                 fix="give it 2 to 5 choices")


def test_a_choice_prompt_with_one_choice_is_reported_at_its_choices(tiny: Path) -> None:
    edit(tiny, HELLO, '      - value: unsure\n        label: "Unsure"\n', "")
    find_problem(problems_loading(tiny), HELLO, "it has 1", field="prompts.1.choices",
                 line=line_with(tiny, HELLO, "choices:"), fix="give it 2 to 5 choices")


def test_a_scale_prompt_without_labels_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, '    low_label: "Very distant"\n    high_label: "Very close"\n', "")
    find_problem(problems_loading(tiny), HELLO, "a scale prompt needs low_label and high_label",
                 field="prompts.0.kind", line=line_with(tiny, HELLO, "kind: scale"),
                 fix="add low_label and high_label")


def test_a_prompt_key_used_twice_in_a_stage_is_reported_at_the_second(tiny: Path) -> None:
    line = line_with(tiny, HELLO, "key: mood")
    edit(tiny, HELLO, "key: mood", "key: connection")
    find_problem(problems_loading(tiny), HELLO, "prompt key 'connection' is used by two "
                 "prompts", field="prompts.1.key", line=line, fix="give each prompt its own key")


def test_a_choice_value_used_twice_is_reported(tiny: Path) -> None:
    line = line_with(tiny, HELLO, "value: unsure")
    edit(tiny, HELLO, "value: unsure", "value: hopeful")
    find_problem(problems_loading(tiny), HELLO, "choice value 'hopeful' is used twice",
                 field="prompts.1.choices.1.value", line=line, fix="its own value")


# 6. Variables a stage may not use


def test_an_undefined_variable_is_reported_with_its_line_and_the_allowed_names(
        tiny: Path) -> None:
    edit(tiny, HELLO, "Hi {{ first_name }},", "Hi {{ last_name }},")
    problem = find_problem(problems_loading(tiny), HELLO, "'last_name' is undefined",
                           field="body", line=line_with(tiny, HELLO, "last_name"),
                           fix="check the spelling")
    assert "the variables a stage may use are: first_name, partner, partner_name, previous, " \
        "role, safety_line, week" \
        in problem.message


def test_an_undefined_variable_in_exercise_text_is_reported_at_its_file_line(
        tiny: Path) -> None:
    edit(tiny, HELLO, "    Write it down.", "    Write it down, {{ nickname }}.")
    find_problem(problems_loading(tiny), HELLO, "'nickname' is undefined",
                 field="exercise.text", line=line_with(tiny, HELLO, "nickname"))


# 7. Links


@pytest.mark.parametrize("target", ["/journey", "/", "acknowledge.md", "../x",
                                    "www.example.org", "#a-heading"])
def test_a_link_that_leads_nowhere_from_an_inbox_is_reported(tiny: Path, target: str) -> None:
    edit(tiny, HELLO, "A short first letter.", f"A short [first letter]({target}).")
    problem = find_problem(problems_loading(tiny), HELLO, f"links to '{target}'", field="body",
                           line=line_with(tiny, HELLO, "A short ["))
    assert "https://" in problem.message + problem.fix


@pytest.mark.parametrize("target", ["https://example.org/a", "mailto:help@example.org"])
def test_links_a_stage_may_use_are_accepted(tiny: Path, target: str) -> None:
    edit(tiny, HELLO, "A short first letter.", f"A short [first letter]({target}).")
    load_program_dir(tiny)


@pytest.mark.parametrize("target", ["javascript:alert(1)", "data:text/html,hi"])
def test_a_script_or_data_link_is_refused(tiny: Path, target: str) -> None:
    edit(tiny, HELLO, "A short first letter.", f"A short [first letter]({target}).")
    find_problem(problems_loading(tiny), HELLO, f"links to a {target.split(':')[0]}: address",
                 field="body", line=line_with(tiny, HELLO, "A short ["), fix="remove the link")


def test_a_plain_http_link_is_refused_with_a_suggestion_of_https(tiny: Path) -> None:
    edit(tiny, LATER, "A second letter.", "A second letter: <http://example.org>.")
    find_problem(problems_loading(tiny), LATER, "over plain http://", field="body",
                 line=line_with(tiny, LATER, "http://"), fix="use https://")


def test_a_broken_link_in_exercise_text_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, "    Write it down.", "    Write it [down](/journey).")
    find_problem(problems_loading(tiny), HELLO, "links to '/journey'", field="exercise.text",
                 line=line_with(tiny, HELLO, "/journey"))


def test_a_link_made_from_a_variable_is_checked_as_it_renders(tiny: Path) -> None:
    edit(tiny, HELLO, "A short first letter.", "A [letter](/{{ first_name }}).")
    find_problem(problems_loading(tiny), HELLO, "links to '/Sam'", field="body")


# 8. Subjects


def test_a_subject_too_long_for_inboxes_says_so_plainly(tiny: Path) -> None:
    edit(tiny, HELLO, 'subject: "Week 0: hello"', f'subject: "{"x" * 71}"')
    problem = find_problem(problems_loading(tiny), HELLO, "is 71 characters; inboxes cut "
                           "subjects after about 70", field="subject", line=4, fix="shorten it")
    assert "is 71 characters; inboxes cut subjects after about 70 — fix: shorten it" \
        in str(problem)


def test_a_subject_of_exactly_seventy_characters_is_accepted(tiny: Path) -> None:
    edit(tiny, HELLO, 'subject: "Week 0: hello"', f'subject: "{"x" * 70}"')
    assert load_program_dir(tiny).stages[0].subject == "x" * 70


def test_an_encoded_word_in_a_subject_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, 'subject: "Week 0: hello"', 'subject: "=?utf-8?q?Hi=0D=0ABcc=3A_x?="')
    find_problem(problems_loading(tiny), HELLO, "encoded header word", field="subject", line=4,
                 fix="remove the '=?'")


# 9. Conditions on earlier answers


def test_a_condition_on_an_unknown_question_names_it_and_the_questions_there_are(
        tiny: Path) -> None:
    edit(tiny, LATER, "previous.connection", "previous.closeness")
    problem = only_problem(tiny)
    assert problem.file == LATER
    assert problem.line == line_with(tiny, LATER, "previous.closeness")
    assert "previous.closeness is not a question of the previous stage, 'hello'" \
        in problem.message
    assert "its questions are: connection, mood" in problem.message
    assert "use one of those question keys" in problem.fix


def test_a_condition_on_earlier_answers_in_the_first_stage_says_there_is_none(
        tiny: Path) -> None:
    edit(tiny, HELLO, "A short first letter.",
         '{% if previous.connection == "1" %}Sorry.{% endif %}\nA short first letter.')
    find_problem(problems_loading(tiny), HELLO, "this is the first stage: there is no previous "
                 "stage", field="body", line=line_with(tiny, HELLO, "previous.connection"),
                 fix="move the block to a later stage")


def test_a_condition_on_the_previous_stage_is_not_blamed_when_that_stage_is_broken(
        tiny: Path) -> None:
    edit(tiny, HELLO, "  - key: connection\n", "  - key: Connection!\n")
    problems = problems_loading(tiny)
    assert {problem.file for problem in problems} == {HELLO}


# 10. Bodies with nothing to read


@pytest.mark.parametrize("body", ["\n\n", "---\n", "[//]: # (a note to ourselves)\n",
                                  "{# only a comment #}\n"])
def test_a_body_with_no_visible_words_is_reported(tiny: Path, body: str) -> None:
    replace_body(tiny, LATER, body)
    problem = find_problem(problems_loading(tiny), LATER, "", field="body")
    assert "renders to an empty text" in problem.message or "shows no words" in problem.message
    assert "words" in problem.fix


def test_a_body_empty_for_some_readers_names_them(tiny: Path) -> None:
    replace_body(tiny, LATER, "{% if partner_name %}Hi {{ partner_name }}{% endif %}\n")
    find_problem(problems_loading(tiny), LATER, "renders to an empty text (for a reader when "
                 "role is inviter, partner is none, partner_name is empty", field="body",
                 fix="write some words")


# 11. YAML that does not parse


def test_malformed_yaml_is_reported_with_its_file_line(tiny: Path) -> None:
    edit(tiny, HELLO, "title: Hello\n", "title: Hello: again\n")
    find_problem(problems_loading(tiny), HELLO, "mapping values are not allowed here "
                 "(check indentation and quoting)", line=3, fix="put quotes around text")


def test_an_unclosed_quote_is_reported_on_the_line_that_opens_it(tiny: Path) -> None:
    edit(tiny, MANIFEST, 'title: "Tiny: two weeks"', 'title: "Tiny: two weeks')
    find_problem(problems_loading(tiny), MANIFEST, "opens a quote that is not closed", line=2,
                 fix="add the closing quote")


def test_a_tab_in_yaml_indentation_gets_its_own_hint(tiny: Path) -> None:
    edit(tiny, HELLO, "  title: \"Notice", "\ttitle: \"Notice")
    find_problem(problems_loading(tiny), HELLO, "indented with a tab",
                 line=line_with(tiny, HELLO, "\ttitle"), fix="replace the tab")


def test_front_matter_that_is_not_a_set_of_fields_is_reported(tiny: Path) -> None:
    path = tiny / HELLO
    path.write_text("---\n- just\n- a list\n---\nHi\n", encoding="utf-8")
    find_problem(problems_loading(tiny), HELLO, "'field: value' lines", line=2)


def test_an_empty_manifest_is_reported(tiny: Path) -> None:
    (tiny / MANIFEST).write_text("# to do\n", encoding="utf-8")
    find_problem(problems_loading(tiny), MANIFEST, "has no fields", fix="fill in the fields")


def test_a_stage_without_opening_dashes_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, "---\nday: 0\n", "day: 0\n")
    find_problem(problems_loading(tiny), HELLO, "must start with a '---' line", line=1)


def test_a_folder_without_a_manifest_is_reported(tmp_path: Path) -> None:
    [problem] = problems_loading(tmp_path)
    assert "no program.yaml" in str(problem)


# 12. Values of the wrong type


@pytest.mark.parametrize(("old", "new", "field", "message", "fix"), [
    ("day: 0", 'day: "next week"', "day", "must be a whole number, not 'next week'",
     "write a whole number"),
    ("day: 0", "day: 1.5", "day", "must be a whole number", "without quotes"),
    ("day: 0", "day: -1", "day", "is -1; it must be 0 or more", "use 0 or more"),
    ("title: Hello", "title: yes", "title", "reads as true, not as text", "in double quotes"),
    ("title: Hello", "title: 2024", "title", "reads as the number 2024", "in double quotes"),
    ("kind: scale", "kind: slider", "prompts.0.kind", "is 'slider'; it must be 'scale', "
     "'choice' or 'multi'", "write 'scale', 'choice' or 'multi'"),
    ("    kind: scale\n", "    kind: scale\n    free_text: maybe\n", "prompts.0.free_text",
     "must be true or false", "write true or false"),
    ("key: mood", "key: Mood Ring", "prompts.1.key", "'Mood Ring' is not a valid key",
     "lower-case letters, digits and hyphens"),
    ('  title: "Notice one moment"', '  title: "Notice\\tone moment"', "exercise.title",
     "must be a single line", "on one line"),
])
def test_a_value_of_the_wrong_kind_is_explained_plainly(
        tiny: Path, old: str, new: str, field: str, message: str, fix: str) -> None:
    edit(tiny, HELLO, old, new)
    problem = find_problem(problems_loading(tiny), HELLO, message, field=field, fix=fix)
    assert problem.line is not None
    assert "Input should" not in str(problem)


def test_prompts_that_are_not_a_list_are_explained(tiny: Path) -> None:
    edit(tiny, LATER, "prompts:\n", "prompts: yes\nold_prompts:\n")
    find_problem(problems_loading(tiny), LATER, "must be a list of prompts", field="prompts",
                 line=line_with(tiny, LATER, "prompts: yes"), fix="'- key: …'")


def test_a_group_of_fields_written_as_text_is_explained(tiny: Path) -> None:
    edit(tiny, LATER, 'exercise:\n  title: "Say one kind thing"\n  text: "Say one kind thing to '
         '{% if partner_name %}{{ partner_name }}{% else %}them{% endif %}."\n',
         "exercise: Say one kind thing\n")
    find_problem(problems_loading(tiny), LATER, "must be a group of fields", field="exercise",
                 line=6, fix="indented by two spaces")


def test_too_many_prompts_are_counted(tiny: Path) -> None:
    prompt = ('  - key: k{n}\n    question: "Q?"\n    kind: scale\n    low_label: "Low"\n'
              '    high_label: "High"\n')
    edit(tiny, LATER, "prompts:\n", "prompts:\n" + "".join(prompt.format(n=n) for n in range(3)))
    find_problem(problems_loading(tiny), LATER, "has 4 prompts; a stage asks 1 to 3 questions",
                 field="prompts", fix="remove prompts")


# 13. Reaching Python internals


@pytest.mark.parametrize("expression", [
    "{{ first_name.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ first_name.__class__.__base__.__subclasses__() }}",
])
def test_a_template_reaching_python_internals_is_refused(tiny: Path, expression: str) -> None:
    edit(tiny, HELLO, "A short first letter.", f"A short {expression} letter.")
    problem = find_problem(problems_loading(tiny), HELLO, "uses something a stage may not use "
                           "(access to attribute '__class__' of 'str' object is unsafe",
                           field="body", line=line_with(tiny, HELLO, "A short {{"),
                           fix="remove it")
    assert "stages can only print the listed variables" in problem.message
    assert "first_name" in problem.fix


# 14. File encoding


def test_a_stage_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tiny: Path) -> None:
    path = tiny / LATER
    path.write_bytes(LATER_TEXT.replace("A second letter.", "A sécond letter.")
                     .encode("latin-1"))
    line = LATER_TEXT.splitlines().index("A second letter.") + 1
    find_problem(problems_loading(tiny), LATER, "is not UTF-8 text: byte", line=line,
                 fix="save the file as UTF-8")


def test_a_file_that_is_not_utf8_is_reported_with_the_other_problems(tiny: Path) -> None:
    (tiny / LATER).write_bytes(LATER_TEXT.replace("Later", "Låter").encode("latin-1"))
    edit(tiny, HELLO, "title: Hello\n", "title: Hello\ncolour: blue\n")
    problems = problems_loading(tiny)
    find_problem(problems, LATER, "is not UTF-8 text", line=3)
    find_problem(problems, HELLO, "unknown field 'colour'")
    with pytest.raises(ProgramError):
        read_program_files(tiny)


def test_a_byte_order_mark_at_the_start_of_a_file_is_accepted(tiny: Path) -> None:
    for rel in (MANIFEST, HELLO):
        path = tiny / rel
        path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_program_dir(tiny).stages[0].title == "Hello"


def test_windows_line_endings_are_accepted_and_lines_still_count(tiny: Path) -> None:
    path = tiny / HELLO
    text = HELLO_TEXT.replace("title: Hello\n", "title: Hello\ncolour: blue\n")
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    find_problem(problems_loading(tiny), HELLO, "unknown field 'colour'", line=4)


# 15. Template syntax


def test_a_template_syntax_error_is_reported_with_its_file_line(tiny: Path) -> None:
    edit(tiny, LATER, "A second letter.", "A second {{ first_name }, letter.")
    problem = only_problem(tiny)
    assert problem.file == LATER
    assert problem.field == "body"
    assert problem.line == line_with(tiny, LATER, "A second {{")
    assert problem.message.startswith("template error:")
    assert "close every '{{' with '}}'" in problem.fix


def test_an_unclosed_if_is_reported(tiny: Path) -> None:
    edit(tiny, LATER, "{% endif %}\n", "")
    find_problem(problems_loading(tiny), LATER, "template error", field="body",
                 fix="{% endif %}")


# All at once


def test_mistakes_in_several_files_are_all_reported_at_once(tiny: Path) -> None:
    edit(tiny, MANIFEST, "title:", "titel:")
    edit(tiny, HELLO, "Hi {{ first_name }},", "Hi {{ firstname }},")
    edit(tiny, HELLO, 'subject: "Week 0: hello"', f'subject: "{"x" * 80}"')
    edit(tiny, LATER, "day: 7", "day: seven")
    edit(tiny, LATER, "A second letter.", "A [second](/journey) letter.")
    (tiny / "stages" / "extra.md").write_text("stray\n", encoding="utf-8")
    problems = problems_loading(tiny)
    find_problem(problems, MANIFEST, "unknown field 'titel'", line=2)
    find_problem(problems, MANIFEST, "is required", field="title")
    find_problem(problems, HELLO, "'firstname' is undefined", field="body")
    find_problem(problems, HELLO, "is 80 characters", field="subject", line=4)
    find_problem(problems, LATER, "must be a whole number", field="day", line=2)
    find_problem(problems, LATER, "links to '/journey'", field="body")
    find_problem(problems, "stages/extra.md", "not listed under stages")
    assert all(problem.fix for problem in problems)


def test_the_error_message_lists_every_problem(tiny: Path) -> None:
    edit(tiny, HELLO, "title: Hello\n", "title: Hello\ncolour: blue\n")
    edit(tiny, LATER, "Hi {{ first_name }},", "Hi {{ last_name }},")
    with pytest.raises(ProgramError) as caught:
        load_program_dir(tiny)
    assert len(caught.value.problems) == 2
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]


# Stored versions


def test_a_stored_version_is_read_back_without_the_checks_added_for_editors(
        tiny: Path) -> None:
    edit(tiny, HELLO, "A short first letter.", "A short [letter](/journey).")
    files = read_program_files(tiny)
    assert parse_program(files).stages[0].title == "Hello"
    with pytest.raises(ProgramError):
        parse_program(files, editorial=True)


def test_a_stored_version_with_a_quoted_day_still_loads(tiny: Path) -> None:
    edit(tiny, LATER, "day: 7\n", 'day: "7"\n')
    files = read_program_files(tiny)
    assert parse_program(files).stages[1].day == 7
    with pytest.raises(ProgramError, match="must be a whole number"):
        parse_program(files, editorial=True)


def test_a_stored_version_with_a_stage_named_index_still_loads(tiny: Path) -> None:
    edit(tiny, MANIFEST, "  - later\n", "  - index\n")
    files = read_program_files(tiny)
    files["stages/index.md"] = files.pop(LATER)
    assert [s.key for s in parse_program(files).stages] == ["hello", "index"]
    with pytest.raises(ProgramError, match="cannot be a stage key"):
        parse_program(files, editorial=True)
