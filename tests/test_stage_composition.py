"""A stage email for each reader: the exercise in the version that suits their role and
partner state, the low-rating block, the look-back questions first, in both parts."""

from __future__ import annotations

import pytest

from reconnect.mail.render import Footer, RenderedEmail, prompt_views, render_stage_email
from reconnect.program.audience import AUDIENCES, Audience
from reconnect.program.loader import load_program_dir
from reconnect.program.model import Program
from reconnect.program.reader import reads_solo
from reconnect.sending.compose import stage_variables
from tests.support.rich_program import (
    ACKNOWLEDGE_BODY_START,
    LOW_RATING_TEXT,
    PARTNER_TITLE,
    SAFETY_TEXT,
    SHARE_BODY_START,
    SHARE_TITLE,
    SOLO_TITLE,
    rich_programs,
)

FOOTER = Footer(safety_note="Help is there.", safety_url="https://help.example/",
                postal_address="1 Example Street", unsubscribe_url="https://r.test/u")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Program:
    return load_program_dir(rich_programs(tmp_path_factory.mktemp("p") / "program") / "main")


def _words(part: str) -> str:
    """The part with its line wrapping undone."""
    return " ".join(part.split())


def _render(program: Program, key: str, audience: Audience,
            answers: dict[str, str] | None = None, partner_name: str = "Alex"
            ) -> RenderedEmail:
    stage = program.stage(key)
    assert stage is not None
    variables = stage_variables(program, stage, "Sam", partner_name, audience, answers or {})
    return render_stage_email(program, stage, variables, prompt_views(
        stage.prompts, lambda k, v: f"https://r.test/reflect/t/{k}?answer={v}"), FOOTER)


@pytest.mark.parametrize("audience", [a for a in AUDIENCES if reads_solo(a)], ids=str)
def test_a_reader_without_a_partner_to_do_it_with_gets_only_the_solo_exercise(
        program: Program, audience: Audience) -> None:
    email = _render(program, "acknowledge", audience)
    for part in (email.html, email.text):
        assert SOLO_TITLE in part
        assert PARTNER_TITLE not in part
        assert "Rather do this on your own?" not in part


@pytest.mark.parametrize("audience", [a for a in AUDIENCES if not reads_solo(a)], ids=str)
def test_a_reader_with_a_partner_gets_the_partner_exercise_and_the_solo_offer(
        program: Program, audience: Audience) -> None:
    email = _render(program, "acknowledge", audience)
    for part in (_words(email.html), _words(email.text)):
        assert part.index(PARTNER_TITLE) < part.index(SAFETY_TEXT) \
            < part.index("Rather do this on your own?") < part.index(SOLO_TITLE)


def test_the_safety_line_names_the_partner_who_joined(program: Program) -> None:
    email = _render(program, "acknowledge", Audience("inviter", "joined"))
    assert "If doing this with Alex would not feel safe" in _words(email.text)


def test_a_reader_with_no_partner_never_reads_a_name(program: Program) -> None:
    stage = program.stage("acknowledge")
    assert stage is not None
    variables = stage_variables(program, stage, "Sam", "Alex", Audience("solo", "none"), {})
    assert variables["partner_name"] == ""
    assert "Alex" not in _render(program, "acknowledge", Audience("solo", "none")).text


@pytest.mark.parametrize("rating", ["1", "2"])
def test_a_low_rating_last_week_puts_the_standing_block_at_the_top(
        program: Program, rating: str) -> None:
    email = _render(program, "share-without-blame", Audience("inviter", "joined"),
                    {"connection": rating})
    for part in (_words(email.html), _words(email.text)):
        assert part.lower().index(SHARE_TITLE.lower()) < part.index(LOW_RATING_TEXT) \
            < part.index(SHARE_BODY_START)


@pytest.mark.parametrize("answers", [{}, {"connection": "3"}, {"noticed": "1"}])
def test_no_low_rating_means_no_standing_block(program: Program,
                                               answers: dict[str, str]) -> None:
    email = _render(program, "share-without-blame", Audience("inviter", "joined"), answers)
    assert LOW_RATING_TEXT not in email.html
    assert LOW_RATING_TEXT not in email.text


def test_a_low_rating_block_needs_the_snippet(program: Program) -> None:
    bare = program.model_copy(update={"snippets": {}})
    email = _render(bare, "share-without-blame", Audience("inviter", "joined"),
                    {"connection": "1"})
    assert LOW_RATING_TEXT not in email.html


def test_look_back_questions_come_first_and_this_weeks_after_the_exercise_in_html(
        program: Program) -> None:
    html = _render(program, "acknowledge", Audience("inviter", "joined")).html
    assert html.index("A look back") < html.index("How connected did you feel") \
        < html.index(ACKNOWLEDGE_BODY_START) < html.index("This week's exercise") \
        < html.index("A moment to reflect") < html.index("Which of these did you notice") \
        < html.index("Until next week,")


def test_look_back_questions_come_first_and_this_weeks_after_the_exercise_in_text(
        program: Program) -> None:
    text = _words(_render(program, "acknowledge", Audience("inviter", "joined")).text)
    assert text.index("A LOOK BACK") < text.index("How connected did you feel") \
        < text.index(ACKNOWLEDGE_BODY_START) < text.index("THIS WEEK'S EXERCISE") \
        < text.index("A MOMENT TO REFLECT") < text.index("Which of these did you notice") \
        < text.index("Until next week,")


def test_a_multi_question_says_several_answers_may_apply(program: Program) -> None:
    email = _render(program, "acknowledge", Audience("inviter", "joined"))
    assert "Several may apply" in email.html
    assert "Several may apply." in email.text


def test_a_stage_is_named_by_its_program_week(program: Program) -> None:
    email = _render(program, "share-without-blame", Audience("inviter", "joined"))
    assert "Week 2" in email.html.split("<h1")[0]
    assert email.text.splitlines()[0].endswith("Week 2")


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
def test_every_stage_renders_for_every_audience(program: Program, audience: Audience) -> None:
    for stage in program.stages:
        email = _render(program, stage.key, audience)
        assert stage.title in email.html
