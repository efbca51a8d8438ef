"""How every email is built, so every major client draws it: padding only on table cells,
buttons and answers as cells (with VML circles for Outlook), the 1 to 5 scale as one row,
a preheader followed by a spacer, the sign-off after the questions; small, and the same
bytes every time it is rendered."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from reconnect.mail.checks.css import declarations
from reconnect.mail.checks.html_tree import Element, parse_html
from reconnect.mail.checks.report import CLIP_BYTES, SIZE_LIMIT
from reconnect.settings import PROJECT_ROOT
from tests.support.emails import EMAILS, IDS, SampleEmail

STAGE_EMAILS = [s for s in EMAILS if s.name.count("/") == 2]
SPACER = "\u034f\u200c\u00a0"


def _email(name: str) -> str:
    return next(s for s in EMAILS if s.name == name).email.html


def _style(element: Element) -> dict[str, str]:
    return {d.name: d.value for d in declarations(element.attrs.get("style", ""))}


@pytest.mark.parametrize("sample", EMAILS, ids=IDS)
def test_padding_is_only_on_table_cells_links_and_lists(sample: SampleEmail) -> None:
    padded = {e.describe() for e in parse_html(sample.email.html).elements()
              if any(name.startswith("padding") and value.strip() not in ("0", "0px")
                     for name, value in _style(e).items())
              and e.tag not in ("td", "a", "ul", "ol")}
    assert padded == set()


@pytest.mark.parametrize("sample", EMAILS, ids=IDS)
def test_every_email_is_far_below_the_size_gmail_clips(sample: SampleEmail) -> None:
    assert len(sample.email.html.encode()) <= SIZE_LIMIT < CLIP_BYTES


@pytest.mark.parametrize("sample", EMAILS, ids=IDS)
def test_the_preheader_comes_first_then_a_spacer_before_any_visible_text(
        sample: SampleEmail) -> None:
    doc = parse_html(sample.email.html)
    body = next(e for e in doc.elements() if e.tag == "body")
    first = next(child for child in body.children if isinstance(child, Element))
    assert first.attrs.get("class") == "preheader"
    assert _style(first)["display"] == "none"
    assert _style(first)["mso-hide"] == "all"
    text = first.own_text()
    assert text.startswith(sample.email.preheader)
    assert text.removeprefix(sample.email.preheader) == SPACER * 90


@pytest.mark.parametrize("sample", STAGE_EMAILS, ids=[s.name for s in STAGE_EMAILS])
def test_each_1_to_5_scale_is_one_row_of_five_circles_with_outlook_twins(
        sample: SampleEmail) -> None:
    doc = parse_html(sample.email.html)
    for scale in (e for e in doc.elements() if e.attrs.get("class") == "scale"):
        rows = [e for e in _descendants(scale) if e.tag == "tr"]
        links = [e for e in _descendants(scale) if e.tag == "a"]
        assert len(rows) == 1
        assert [link.own_text() for link in links] == ["1", "2", "3", "4", "5"]
        assert all(_style(link)["display"] == "block" for link in links)
    vml = doc.comments
    assert sum("v:roundrect" in c and "width:44px" in c for c in vml) == \
        sample.email.html.count('class="scale-answer"')


def test_a_choice_question_has_one_answer_per_row() -> None:
    doc = parse_html(_email("main/share-without-blame/inviter-joined"))
    [choices] = [e for e in doc.elements() if e.attrs.get("class") == "choices"]
    rows = [e for e in _descendants(choices) if e.attrs.get("class") == "choice-row"]
    assert [[link.own_text() for link in _descendants(row) if link.tag == "a"]
            for row in rows] == [["Ready to try"], ["Nervous, but willing"],
                                 ["I'd rather do it on my own"],
                                 ["I don't feel safe doing this"]]
    assert all(row.tag == "td" and row.parent is not None and row.parent.tag == "tr"
               for row in rows)


def test_the_button_is_a_coloured_cell_padded_for_outlook_too() -> None:
    doc = parse_html(_email("main/invitation"))
    [link] = [e for e in doc.elements() if e.attrs.get("class") == "button"]
    cell = link.parent
    assert cell is not None
    assert cell.tag == "td"
    assert _style(cell)["background-color"] == "#9c4a2e"
    assert _style(cell)["mso-padding-alt"] == "12px 24px"
    assert _style(link)["padding"] == "12px 24px"
    assert link.own_text() == "Yes, I would like to join"


@pytest.mark.parametrize("sample", STAGE_EMAILS, ids=[s.name for s in STAGE_EMAILS])
def test_the_sign_off_follows_the_exercise_and_the_questions(sample: SampleEmail) -> None:
    html = sample.email.html
    sign_off = html.index('class="sign-off"')
    assert html.index('class="exercise"') < html.rindex('class="question"') < sign_off
    assert "<br>The Reconnect team</p>" in html[sign_off:]
    assert "The Reconnect team" not in html[:sign_off]


def test_the_footer_offers_to_stop_receiving_emails_in_both_parts() -> None:
    sample = next(s for s in EMAILS if s.name == "main/welcome/inviter-joined")
    assert ">Stop receiving these emails</a>" in sample.email.html
    assert "Stop receiving these emails:\n" in sample.email.text
    assert "Stop these emails" not in sample.email.html + sample.email.text


def test_rendering_is_the_same_bytes_in_another_process() -> None:
    """A cache of rendered emails must match the renderer exactly: no randomness, no
    ordering that depends on a process's hash seed."""
    here = hashlib.sha256("".join(s.email.html + s.email.text
                                  for s in EMAILS).encode()).hexdigest()
    script = ("import hashlib; from tests.support.emails import EMAILS; "
              "print(hashlib.sha256(''.join(s.email.html + s.email.text "
              "for s in EMAILS).encode()).hexdigest())")
    # The other process gets a hash seed this one does not have.
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONHASHSEED": seed})
    assert run.stdout.strip() == here


def _descendants(element: Element) -> list[Element]:
    found: list[Element] = []
    for child in element.children:
        if isinstance(child, Element):
            found += [child, *_descendants(child)]
    return found
