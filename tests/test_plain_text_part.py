"""The plain-text part reads well on its own: one short link per question, to the answer
page with every choice, the choices written out in words, and lines under 78
characters (a link is never cut: it may stand longer on a line of its own)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.mail.plain_text import WIDTH, is_within_width, wrap_plain
from reconnect.runtime import Runtime
from tests.support.emails import EMAILS, IDS, SampleEmail
from tests.support.flows import first_stage_email
from tests.support.links import question_paths, reflect_paths, text_links
from tests.support.smtp import SmtpSink

STAGE_EMAILS = [s for s in EMAILS if s.name.count("/") == 2]
_REFLECT = re.compile(r"^ {3}https://\S+/reflect/\S+$", re.MULTILINE)


@pytest.mark.parametrize("sample", EMAILS, ids=IDS)
def test_every_line_is_under_78_characters_or_a_link_alone(sample: SampleEmail) -> None:
    long = [line for line in sample.email.text.split("\n") if not is_within_width(line)]
    assert long == []


@pytest.mark.parametrize("sample", STAGE_EMAILS, ids=[s.name for s in STAGE_EMAILS])
def test_a_stage_email_has_one_link_per_question_and_none_per_answer(
        sample: SampleEmail) -> None:
    questions = sample.email.html.count('class="question"')
    assert len(_REFLECT.findall(sample.email.text)) == questions
    assert "?answer=" not in sample.email.text


def test_the_choices_are_written_out_in_words_under_their_question() -> None:
    text = next(s for s in EMAILS
                if s.name == "main/share-without-blame/inviter-joined").email.text
    question = "1. How do you feel about sharing a feeling with your partner this week?"
    ready = text[text.index(question):]
    assert ready.startswith(
        f"{question}\n"
        "   - Ready to try\n   - Nervous, but willing\n   - I'd rather do it on my own\n"
        "   - I don't feel safe doing this\n   Answer here:\n"
        "   https://reconnect.example.org/reflect/")
    assert "1. How connected did you feel to your partner this past week?\n" \
           "   From 1 (Very distant) to 5 (Very close).\n   Answer here:\n" in text


def test_a_delivered_email_links_each_question_to_its_page_with_every_choice(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    stage = runtime.programs.current()[1].stages[0]
    paths = question_paths(message)
    assert [p.rsplit("/", 1)[1] for p in paths] == [p.key for p in stage.prompts]
    for path, prompt in zip(paths, stage.prompts, strict=True):
        page = client.get(path)
        assert page.status_code == 200
        # Ticks where several answers may apply, one choice otherwise.
        box = "checkbox" if prompt.kind == "multi" else "radio"
        assert page.text.count(f'type="{box}" name="answer"') == len(prompt.answers)
        assert " checked" not in page.text
    # The HTML part keeps one link per answer, each choosing it already.
    assert len(reflect_paths(message)) == sum(len(p.answers) for p in stage.prompts)


def test_a_delivered_email_has_short_lines_and_far_fewer_links_than_answers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    assert [line for line in message.text.splitlines() if not is_within_width(line)] == []
    # Questions, then the footer's own pages (help, safety, journey, preferences, stop,
    # privacy).
    stage = runtime.programs.current()[1].stages[0]
    assert len(text_links(message)) == len(stage.prompts) + 6


@pytest.mark.parametrize(("line", "wrapped"), [
    ("word " * 20, ["word " * 14 + "word", "word " * 4 + "word"]),
    ("- " + "item " * 20, ["- " + "item " * 14 + "item", "  " + "item " * 4 + "item"]),
    ("12. " + "step " * 20, ["12. " + "step " * 13 + "step", "    " + "step " * 5 + "step"]),
])
def test_wrapped_lines_keep_list_markers_and_indents(line: str, wrapped: list[str]) -> None:
    assert wrap_plain(line).split("\n") == wrapped


def test_a_link_is_never_cut() -> None:
    link = "https://reconnect.example.org/reflect/" + "x" * 90 + "/connection"
    assert wrap_plain(f"Answer here: {link}").split("\n") == ["Answer here:", link]
    assert wrap_plain(f"   {link}") == f"   {link}"
    assert wrap_plain(f"See the page ({link}).").split("\n") == ["See the page", f"({link})."]


def test_an_underline_longer_than_a_line_is_shortened() -> None:
    assert wrap_plain("-" * 100) == "-" * WIDTH


def test_wrapping_twice_changes_nothing() -> None:
    for sample in EMAILS[:10]:
        assert wrap_plain(sample.email.text) == sample.email.text
