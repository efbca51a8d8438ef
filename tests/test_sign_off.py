"""A stage's sign-off ("Warmly," / "The Reconnect team") is its own front matter field:
the email shows it after the exercise and the questions, one line per line; a sign-off
left at the end of the body is caught by the check, and stored versions still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnect.editor.diff import describe_changes
from reconnect.mail.render import prompt_views, reflect_url, render_stage_email
from reconnect.program.loader import load_program_dir, parse_program, read_program_files
from reconnect.program.model import Program, Stage
from tests.support.program_files import edit, find_problem, line_with, problems_loading
from tests.test_email_rendering import FOOTER
from tests.test_program_validation import HELLO, write_program

SIGN_OFF = "sign_off: |\n  Until next week,\n  The Reconnect team\n"
BODY_END = "A short first letter.\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_program(tmp_path / "tiny")


def _with_sign_off(directory: Path, sign_off: str = SIGN_OFF) -> Path:
    edit(directory, HELLO, "---\nHi {{ first_name }}", f"{sign_off}---\nHi {{{{ first_name }}}}")
    return directory


def _rendered(program: Program, stage: Stage) -> tuple[str, str]:
    email = render_stage_email(
        program, stage, {"first_name": "Ana", "partner_name": "Ben", "previous": {}},
        prompt_views(stage.prompts, lambda k, v: reflect_url("https://r.test", "t", k, v)),
        FOOTER)
    return email.html, email.text


def test_the_sign_off_comes_after_the_questions_one_line_per_line(tiny: Path) -> None:
    program = load_program_dir(_with_sign_off(tiny))
    html, text = _rendered(program, program.stages[0])
    last_question = "How do you feel about starting?"
    assert html.index(last_question) < html.index("Until next week,")
    assert "Until next week,<br>The Reconnect team</p>" in html
    assert text.index(last_question) < text.index("Until next week,\nThe Reconnect team\n")
    assert text.index("The Reconnect team") < text.index("\n--\n")  # before the footer


def test_a_stage_without_a_sign_off_ends_with_its_questions(tiny: Path) -> None:
    program = load_program_dir(tiny)
    html, _ = _rendered(program, program.stages[0])
    assert 'class="sign-off"' not in html


@pytest.mark.parametrize("sign_off", [
    "sign_off: |\n  Warmly,\n\n  The Reconnect team\n",
    "sign_off: |\n  One\n  Two\n  Three\n  Four\n",
    f"sign_off: \"{'x' * 61}\"\n",
    "sign_off: \"\"\n",
])
def test_a_sign_off_that_is_not_a_few_short_lines_is_reported(tiny: Path,
                                                              sign_off: str) -> None:
    _with_sign_off(tiny, sign_off)
    find_problem(problems_loading(tiny), HELLO, "1 to 3 lines of up to 60 characters",
                 field="sign_off", line=line_with(tiny, HELLO, "sign_off:"),
                 fix="'sign_off: |'")


def test_a_sign_off_left_at_the_end_of_the_body_is_reported(tiny: Path) -> None:
    edit(tiny, HELLO, BODY_END, f"{BODY_END}\nWarmly,\nThe Reconnect team\n")
    problem = find_problem(problems_loading(tiny), HELLO, "look like a sign-off",
                           field="body", line=line_with(tiny, HELLO, "Warmly,"),
                           fix="sign_off: |")
    assert "'Warmly,' / 'The Reconnect team'" in problem.message
    assert "before the exercise and the questions" in problem.message


@pytest.mark.parametrize("ending", [
    "It is fine to say, when you need to,\nthat you would like a pause before going on.\n",
    "Warmly, The Reconnect team\n",
    "{% if partner_name %}\nWarmly,\n{{ partner_name }}\n{% endif %}\n",
])
def test_a_body_ending_in_an_ordinary_paragraph_is_not_taken_for_a_sign_off(
        tiny: Path, ending: str) -> None:
    edit(tiny, HELLO, BODY_END, f"{BODY_END}\n{ending}")
    assert load_program_dir(tiny).stages[0].key == "hello"


def test_a_stored_version_with_its_sign_off_in_the_body_still_loads(tiny: Path) -> None:
    edit(tiny, HELLO, BODY_END, f"{BODY_END}\nWarmly,\nThe Reconnect team\n")
    program = parse_program(read_program_files(tiny))
    assert program.stages[0].sign_off is None
    assert program.stages[0].body.endswith("Warmly,\nThe Reconnect team\n")


def test_a_changed_sign_off_shows_in_the_diff(tiny: Path, tmp_path: Path) -> None:
    before = load_program_dir(_with_sign_off(tiny))
    edit(tiny, HELLO, "Until next week,", "Take care,")
    after = load_program_dir(tiny)
    assert "    sign_off: 'Until next week,\\nThe Reconnect team' → " \
           "'Take care,\\nThe Reconnect team'" in describe_changes(before, after)
