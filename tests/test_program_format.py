"""The program format for roles and safety: what validation refuses, with the editor's
fix, and what it accepts (docs/editing-the-program.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnect.program.loader import load_program_dir, parse_program, read_program_files
from tests.support.program_files import edit, find_problem, line_with, problems_loading
from tests.test_program_validation import HELLO, LATER, MANIFEST, write_program

PARTNER_EXERCISE = '''exercise:
  title: "Say one kind thing"
  text: |
    {{ safety_line }}

    Say one kind thing to your partner.
  solo:
    title: "Write one kind thing"
    text: "Write down one kind thing you would like to say."
involves_partner: true
'''
SAFETY = "If it would not feel safe to do this with your partner, do the solo version."


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_program(tmp_path / "tiny")


def _partner_exercise(directory: Path, text: str = PARTNER_EXERCISE) -> None:
    edit(directory, LATER, '''exercise:
  title: "Say one kind thing"
  text: "Say one kind thing to {% if partner_name %}{{ partner_name }}{% else %}them{% endif %}."
''', text)


def _snippet(directory: Path, name: str, text: str) -> None:
    (directory / "snippets").mkdir(exist_ok=True)
    (directory / "snippets" / f"{name}.md").write_text(text, encoding="utf-8")


def test_a_partner_exercise_with_its_safety_line_and_solo_version_loads(tiny: Path) -> None:
    _partner_exercise(tiny)
    _snippet(tiny, "partner-safety", SAFETY)
    stage = load_program_dir(tiny).stages[1]
    assert stage.involves_partner
    assert stage.exercise.solo is not None


def test_a_partner_exercise_without_the_safety_line_is_refused(tiny: Path) -> None:
    _partner_exercise(tiny, PARTNER_EXERCISE.replace("    {{ safety_line }}\n\n", ""))
    _snippet(tiny, "partner-safety", SAFETY)
    find_problem(problems_loading(tiny), LATER, "involves the partner but its text has no "
                 "{{ safety_line }}", field="exercise.text",
                 fix="add a line with {{ safety_line }}")


def test_a_partner_exercise_without_a_solo_version_is_refused(tiny: Path) -> None:
    text = PARTNER_EXERCISE.split("  solo:")[0] + "involves_partner: true\n"
    _partner_exercise(tiny, text)
    _snippet(tiny, "partner-safety", SAFETY)
    find_problem(problems_loading(tiny), LATER, "has no solo version", field="exercise",
                 fix="add 'solo:' under exercise")


def test_a_partner_exercise_needs_the_partner_safety_snippet(tiny: Path) -> None:
    _partner_exercise(tiny)
    find_problem(problems_loading(tiny), "snippets/partner-safety.md",
                 "is missing: stage 'later' involves the partner", fix="create it")


def test_an_unknown_snippet_is_refused(tiny: Path) -> None:
    _snippet(tiny, "low-ratings", "Go gently.")
    find_problem(problems_loading(tiny), "snippets/low-ratings.md",
                 "'low-ratings' is not a snippet the program uses", fix="rename the file")


def test_a_snippet_may_not_read_a_stages_answers(tiny: Path) -> None:
    _snippet(tiny, "low-rating", "{% if previous.connection %}Go gently.{% endif %}")
    find_problem(problems_loading(tiny), "snippets/low-rating.md",
                 "a snippet is shown in many stages", fix="put the block in the stage")


def test_a_look_back_question_in_the_first_stage_is_refused(tiny: Path) -> None:
    edit(tiny, HELLO, "    kind: scale\n", "    kind: scale\n    about: last-week\n")
    find_problem(problems_loading(tiny), HELLO, "this is the first stage",
                 field="prompts.0.about", line=line_with(tiny, HELLO, "about: last-week"),
                 fix="remove the 'about: last-week' line")


def test_a_look_back_question_in_a_later_stage_loads(tiny: Path) -> None:
    edit(tiny, LATER, "    kind: scale\n", "    kind: scale\n    about: last-week\n")
    assert load_program_dir(tiny).stages[1].look_back[0].key == "connection"


def _multi(directory: Path, count: int) -> None:
    choices = "".join(f"      - value: c{i}\n        label: \"Choice {i}\"\n"
                      for i in range(count))
    edit(directory, HELLO, '''    kind: choice
    choices:
      - value: hopeful
        label: "Hopeful"
      - value: unsure
        label: "Unsure"
''', f"    kind: multi\n    choices:\n{choices}")


@pytest.mark.parametrize("count", [1, 7])
def test_a_multi_prompt_with_too_few_or_too_many_choices_is_refused(
        tiny: Path, count: int) -> None:
    _multi(tiny, count)
    find_problem(problems_loading(tiny), HELLO, f"a multi prompt needs 2 to 6 choices; it "
                 f"has {count}", field="prompts.1.choices", fix="a multi prompt 2 to 6")


def test_a_multi_prompt_with_six_choices_loads(tiny: Path) -> None:
    _multi(tiny, 6)
    assert len(load_program_dir(tiny).stages[0].prompts[1].choices) == 6


def test_a_later_stage_reads_a_multi_answer_as_a_list(tiny: Path) -> None:
    _multi(tiny, 3)
    edit(tiny, LATER, "A second letter.", "A second letter.\n{% if 'c1' in previous.mood %}"
         "You chose {{ previous.mood | join(', ') }}.{% endif %}")
    assert load_program_dir(tiny).stages[1].key == "later"


def test_a_worrying_value_that_is_not_an_answer_is_refused(tiny: Path) -> None:
    edit(tiny, HELLO, "        label: \"Unsure\"\n",
         "        label: \"Unsure\"\n    worrying: [lost]\n")
    find_problem(problems_loading(tiny), HELLO, "'lost' is not one of this prompt's answers",
                 field="prompts.1.worrying.0", fix="use the value of one of the prompt's")


def test_a_reply_longer_than_300_characters_is_refused(tiny: Path) -> None:
    edit(tiny, HELLO, "        label: \"Unsure\"\n",
         f"        label: \"Unsure\"\n    replies:\n      unsure: \"{'x' * 301}\"\n")
    find_problem(problems_loading(tiny), HELLO, "at most 300 fit here",
                 field="prompts.1.replies.unsure")


def test_a_safety_choice_and_worrying_answers_load(tiny: Path) -> None:
    edit(tiny, HELLO, "        label: \"Unsure\"\n", "        label: \"Unsure\"\n"
         "      - value: not-safe\n        label: \"I don't feel safe\"\n        safety: true\n"
         "    worrying: [not-safe]\n    replies:\n      unsure: \"Unsure is a fine start.\"\n")
    _snippet(tiny, "support", "You are not alone with this.")
    mood = load_program_dir(tiny).stages[0].prompts[1]
    assert mood.is_safety("not-safe")
    assert mood.is_worrying("not-safe")
    assert mood.reply_for("unsure") == ("Unsure is a fine start.",)


def test_worrying_answers_need_the_support_snippet(tiny: Path) -> None:
    edit(tiny, HELLO, "        label: \"Unsure\"\n",
         "        label: \"Unsure\"\n    worrying: [unsure]\n")
    find_problem(problems_loading(tiny), "snippets/support.md", "is missing")


@pytest.mark.parametrize(("discreet", "field", "fragment"), [
    ('discreet:\n  sender_name: "Notes"\n  subject: "Your =?utf-8?q?note?="\n'
     '  preheader: "A note."\n', "discreet.subject", "must not contain '=?'"),
    ('discreet:\n  sender_name: "Notes"\n  subject: "Your note"\n',
     "discreet.preheader", "is required"),
    ('discreet:\n  sender_name: "Notes\\nBcc: x@example.org"\n  subject: "Your note"\n'
     '  preheader: "A note."\n', "discreet.sender_name", "single line"),
])
def test_a_bad_discreet_block_is_refused(tiny: Path, discreet: str, field: str,
                                         fragment: str) -> None:
    edit(tiny, MANIFEST, "stages:", f"{discreet}stages:")
    find_problem(problems_loading(tiny), MANIFEST, fragment, field=field)


def test_a_discreet_block_loads(tiny: Path) -> None:
    edit(tiny, MANIFEST, "stages:", 'discreet:\n  sender_name: "Weekly notes"\n'
         '  subject: "Your note for this week"\n  preheader: "A short note."\nstages:')
    discreet = load_program_dir(tiny).discreet
    assert discreet is not None
    assert discreet.sender_name == "Weekly notes"


def test_a_subject_whose_week_does_not_match_its_day_is_refused(tiny: Path) -> None:
    edit(tiny, LATER, 'subject: "Week 1: later"', 'subject: "Week 2: later"')
    find_problem(problems_loading(tiny), LATER, "must start with 'Week 1: ' (day 7 is in "
                 "week 1", field="subject", line=line_with(tiny, LATER, "subject:"),
                 fix="begin the subject with 'Week 1: '")


def test_a_version_stored_before_the_week_rule_still_loads(tiny: Path) -> None:
    edit(tiny, LATER, 'subject: "Week 1: later"', 'subject: "Later on"')
    program = parse_program(read_program_files(tiny))
    assert program.stages[1].subject == "Later on"


def _follow_up(directory: Path, day: int) -> None:
    text = (directory / LATER).read_text().replace("day: 7", f"day: {day}").replace(
        'subject: "Week 1: later"', 'subject: "One month on"')
    (directory / "stages" / "month-on.md").write_text(text, encoding="utf-8")
    edit(directory, MANIFEST, "  - later\n", "  - later\n  - month-on\nfollow_up: month-on\n")


def test_a_follow_up_a_month_after_the_last_stage_loads(tiny: Path) -> None:
    _follow_up(tiny, 7 + 28)
    program = load_program_dir(tiny)
    assert program.follow_up == "month-on"


def test_a_follow_up_too_soon_after_the_last_stage_is_refused(tiny: Path) -> None:
    _follow_up(tiny, 14)
    find_problem(problems_loading(tiny), "stages/month-on.md", "it comes at least 28 days",
                 field="day", fix="use day 35 or later")


def test_a_follow_up_that_is_not_the_last_stage_is_refused(tiny: Path) -> None:
    edit(tiny, MANIFEST, "  - later\n", "  - later\nfollow_up: hello\n")
    find_problem(problems_loading(tiny), MANIFEST, "follow_up is 'hello'",
                 field="follow_up", fix="list the follow-up stage last")


@pytest.mark.parametrize(("role", "partner"), [("invitee", "left"), ("solo", "invited")])
def test_a_text_failing_for_one_audience_names_it(tiny: Path, role: str,
                                                  partner: str) -> None:
    edit(tiny, LATER, "A second letter.", f"A second letter.{{% if role == '{role}' and "
         f"partner == '{partner}' %}}{{{{ 1 / 0 }}}}{{% endif %}}")
    find_problem(problems_loading(tiny), LATER, "cannot be filled in: ZeroDivisionError",
                 field="body")


def test_every_audience_reads_its_own_branch(tiny: Path) -> None:
    branches = "".join(f"{{% if role == '{r}' %}}As {r}.{{% endif %}}"
                       for r in ("inviter", "invitee", "solo"))
    edit(tiny, LATER, "A second letter.", f"A second letter. {branches}")
    assert load_program_dir(tiny).stages[1].key == "later"
