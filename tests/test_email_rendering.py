"""Every stage of every shipped program renders as an email people can read anywhere:
styles inlined, a plain-text part with every link, a preheader, nothing needing images."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from reconnect.mail.render import (
    Footer,
    RenderedEmail,
    prompt_views,
    reflect_url,
    render_stage_email,
)
from reconnect.program.loader import load_program_dir
from reconnect.program.model import Program, Stage
from reconnect.settings import PROJECT_ROOT

FOOTER = Footer(safety_note="Help is there.", safety_url="https://help.example/",
                postal_address="1 Example Street", unsubscribe_url="https://r.test/unsubscribe/u",
                preferences_url="https://r.test/preferences/p", help_url="https://r.test/help/p")


def _stages() -> list[tuple[Program, Stage]]:
    found = []
    for folder in sorted((PROJECT_ROOT / "program").iterdir()):
        if (folder / "program.yaml").exists():
            program = load_program_dir(folder)
            found += [(program, stage) for stage in program.stages]
    return found


STAGES = _stages()


def _render(program: Program, stage: Stage) -> RenderedEmail:
    before = program.stage_at(stage.position - 1) if stage.position else None
    previous = dict.fromkeys((p.key for p in before.prompts), "") if before else {}
    return render_stage_email(
        program, stage, {"first_name": "Ana", "partner_name": "Ben", "previous": previous},
        prompt_views(stage.prompts, lambda k, v: reflect_url("https://r.test", "t", k, v)),
        FOOTER)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize(("program", "stage"), STAGES, ids=[s.key for _, s in STAGES])
def test_every_visible_element_carries_its_style_inline(program: Program, stage: Stage) -> None:
    html = _render(program, stage).html
    styled = {"p", "a", "h1", "h2", "li"}
    unstyled = [(tag, attrs) for tag, attrs in _elements(html)
                if tag in styled and not attrs.get("style")]
    assert unstyled == []
    # Only the media queries stay in a <style> block: they cannot be inlined.
    assert html.count("<style") == 1
    assert "prefers-color-scheme: dark" in html


@pytest.mark.parametrize(("program", "stage"), STAGES, ids=[s.key for _, s in STAGES])
def test_the_text_part_carries_every_link_of_the_html_part_but_one_per_question(
        program: Program, stage: Stage) -> None:
    rendered = _render(program, stage)
    hrefs = {str(attrs["href"]) for tag, attrs in _elements(rendered.html)
             if tag == "a" and attrs.get("href")}
    answers = {href for href in hrefs if "?answer=" in href}
    assert len(answers) == sum(len(p.answers) for p in stage.prompts)
    assert [href for href in hrefs - answers if href not in rendered.text] == []
    assert "?answer=" not in rendered.text
    for prompt in stage.prompts:
        assert f"https://r.test/reflect/t/{prompt.key}\n" in rendered.text


@pytest.mark.parametrize(("program", "stage"), STAGES, ids=[s.key for _, s in STAGES])
def test_the_preheader_is_hidden_but_present_and_no_image_is_needed(
        program: Program, stage: Stage) -> None:
    html = _render(program, stage).html
    assert stage.preheader in html
    assert re.search(r'class="preheader"[^>]*style="[^"]*display: ?none', html) or \
        re.search(r'style="[^"]*display: ?none[^"]*"[^>]*class="preheader"', html)
    assert "<img" not in html


def _acknowledge(previous: dict[str, str]) -> RenderedEmail:
    program = load_program_dir(PROJECT_ROOT / "program" / "main")
    stage = program.stage("acknowledge")
    assert stage is not None
    return render_stage_email(
        program, stage, {"first_name": "Ana", "partner_name": "Ben", "previous": previous},
        prompt_views(stage.prompts, lambda k, v: reflect_url("https://r.test", "t", k, v)),
        FOOTER)


@pytest.mark.parametrize("rating", ["1", "2"])
def test_a_low_rating_last_week_adds_the_support_block(rating: str) -> None:
    rendered = _acknowledge({"connection": rating, "hope": ""})
    assert "If last week felt far apart" in rendered.html
    assert "If last week felt far apart" in rendered.text


@pytest.mark.parametrize("rating", ["", "3", "5"])
def test_other_or_no_ratings_leave_it_out(rating: str) -> None:
    rendered = _acknowledge({"connection": rating, "hope": ""})
    assert "If last week felt far apart" not in rendered.html


# Someone glancing at the inbox should not learn what the couple is working through.
REVEALING_WORDS = ("neglect", "marriage", "divorce", "therapy", "therapist", "abuse",
                   "lonely", "unhappy", "problem", "struggl", "fight", "crisis")


@pytest.mark.parametrize(("program", "stage"), STAGES, ids=[s.key for _, s in STAGES])
def test_subjects_and_preheaders_are_discreet(program: Program, stage: Stage) -> None:
    visible = f"{stage.subject} {stage.preheader}".lower()
    assert [w for w in REVEALING_WORDS if w in visible] == []
