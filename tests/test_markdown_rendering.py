"""Stage text rendering: parsed once per stage, the same result as rendering in full."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import pytest

from reconnect.program.catalog import ProgramCatalog
from reconnect.program.text import (
    SAMPLE_VARIABLES,
    markdown_to_html,
    markdown_to_text,
    render_markdown,
    render_source,
)
from reconnect.settings import PROJECT_ROOT

# Every reader a stage text may have (role, partner state, the partner's name or none),
# with plain names and names Markdown could misread; any earlier answer reads as
# unanswered.
NAMES: list[dict[str, object]] = [
    {**sample, "first_name": first, "partner_name": partner if sample["partner_name"] else "",
     "previous": defaultdict(str)}
    for sample in SAMPLE_VARIABLES for first, partner in (("Sam", "Alex"),
                                                          ("Zoë", "Jo-Anne O'Neil"))]


def _reader(variables: dict[str, object]) -> str:
    return f"{variables['role']}-{variables['partner']}-{variables['first_name']}-" \
        f"{variables['partner_name'] or 'no-name'}"


@cache  # loading checks every text for every reader: once is enough
def _sources() -> list[str]:
    catalog = ProgramCatalog(PROJECT_ROOT / "program", "main")
    sources = []
    for slug in catalog.slugs_on_disk():
        from reconnect.program.loader import load_program_dir

        program = load_program_dir(PROJECT_ROOT / "program" / slug)
        for stage in program.stages:
            sources += [stage.body, stage.exercise.text]
            if stage.exercise.solo is not None:
                sources.append(stage.exercise.solo.text)
    return sources


@pytest.mark.parametrize("variables", NAMES, ids=_reader)
def test_every_shipped_stage_renders_as_a_full_render_would(variables: dict[str, object]
                                                            ) -> None:
    for source in _sources():
        markdown = render_source(source, variables)
        rendered = render_markdown(source, variables)
        assert rendered.html == markdown_to_html(markdown)
        assert rendered.text == markdown_to_text(markdown)


def test_a_name_is_shown_as_written_never_read_as_markdown_or_html() -> None:
    rendered = render_markdown("Hi {{ first_name }},\n", {"first_name": "*Sam* <b>&"})
    assert "*Sam* &lt;b&gt;&amp;" in rendered.html
    assert "Hi *Sam* <b>&," in rendered.text


def test_an_empty_variable_takes_the_else_branch() -> None:
    source = "{% if partner_name %}With {{ partner_name }}{% else %}Alone{% endif %}\n"
    assert render_markdown(source, {"partner_name": ""}).text == "Alone"
    assert render_markdown(source, {"partner_name": "Alex"}).text == "With Alex"


def test_a_text_with_other_logic_is_rendered_in_full() -> None:
    source = "Hi {{ first_name | upper }}\n"
    assert render_markdown(source, {"first_name": "Sam"}).text == "Hi SAM"


def test_a_variable_inside_a_link_is_rendered_in_full() -> None:
    source = "[Your page](https://example.org/{{ first_name }})\n"
    rendered = render_markdown(source, {"first_name": "sam"})
    assert 'href="https://example.org/sam"' in rendered.html
