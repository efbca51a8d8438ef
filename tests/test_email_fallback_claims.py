"""What the allow-list says about our emails stays true: each entry accepts a client's
gap because of how the emails use the feature ("only center", "never inline", "only on
tables"), and each of those statements is checked here over every email."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from reconnect.mail.checks.css import AtRule, Declaration, stylesheet
from reconnect.mail.checks.html_tree import Document, Element, parse_html
from tests.support.emails import EMAILS

DOCS = [parse_html(sample.email.html) for sample in EMAILS]


def _declarations(name: str) -> Iterator[tuple[Element | None, Declaration]]:
    """Every declaration of ``name`` (or starting with it), inline or in <style>."""
    for doc in DOCS:
        for element in doc.elements():
            for d in element.style:
                if d.name == name or d.name.startswith(f"{name}-"):
                    yield element, d
        for css in doc.style_blocks():
            for item in stylesheet(css):
                for rule in item.rules if isinstance(item, AtRule) else (item,):
                    for d in rule.declarations:
                        if d.name == name or d.name.startswith(f"{name}-"):
                            yield None, d


def _with_attribute(name: str) -> Iterator[tuple[Document, Element]]:
    for doc in DOCS:
        for element in doc.elements():
            if name in element.attrs:
                yield doc, element


def test_display_is_only_block_inline_block_or_none() -> None:
    assert {d.value for _, d in _declarations("display")} <= {"block", "inline-block", "none"}


def test_display_none_is_only_on_the_preheader_which_outlook_also_hides() -> None:
    hidden = [(e, d) for e, d in _declarations("display") if d.value == "none"]
    assert hidden
    for element, _ in hidden:
        assert element is not None
        assert element.tag == "div"
        assert element.attrs["class"] == "preheader"
        assert any(d.name == "mso-hide" and d.value == "all" for d in element.style)


def test_important_is_lower_case_after_a_space_and_never_inline() -> None:
    assert not any(d.important for doc in DOCS for e in doc.elements() for d in e.style)
    for sample in EMAILS:
        assert "!important" not in re.sub(r"<style.*?</style>", "", sample.email.html,
                                          flags=re.DOTALL)
        blocks = re.findall(r"<style.*?</style>", sample.email.html, flags=re.DOTALL)
        assert not re.search(r"\S!important|!IMPORTANT", "".join(blocks))


def test_the_style_block_is_in_the_head_and_small() -> None:
    for sample in EMAILS:
        head, _, body = sample.email.html.partition("</head>")
        assert "<style" not in body
        assert sum(len(css) for css in re.findall(r"<style.*?</style>", head,
                                                  flags=re.DOTALL)) < 2048


def test_margins_are_never_negative_or_auto() -> None:
    values = {d.value for _, d in _declarations("margin")}
    assert values
    assert [v for v in values if "-" in v or "auto" in v] == []


def test_margins_are_only_on_text_blocks_and_the_buttons_table() -> None:
    for element, _ in _declarations("margin"):
        if element is not None:
            assert element.tag in ("p", "h1", "h2", "ul", "ol", "li", "body") or \
                element.attrs.get("class") == "button-table"


def test_font_sizes_are_pixels_and_weights_are_keywords() -> None:
    assert all(d.value.endswith("px") for _, d in _declarations("font-size"))
    assert {d.value for _, d in _declarations("font-weight")} <= {"bold", "normal"}


def test_text_align_is_only_center() -> None:
    assert {d.value for _, d in _declarations("text-align")} == {"center"}


def test_text_decoration_is_only_none_on_buttons_and_answers() -> None:
    for element, d in _declarations("text-decoration"):
        assert d.value == "none"
        assert element is not None
        assert element.attrs.get("class") in ("button", "choice", "scale-answer")


def test_css_width_and_pixel_line_heights_are_only_on_the_scale_answers() -> None:
    sized = [e for e, d in [*_declarations("width"), *_declarations("line-height")]
             if e is not None and (d.name == "width" or d.value.endswith("px"))]
    assert sized
    assert {e.attrs.get("class") for e in sized} == {"scale-answer"}


def test_borders_are_thin_and_never_on_paragraphs_or_divs() -> None:
    for element, d in _declarations("border"):
        if d.name in ("border-radius", "border-color"):
            continue
        assert re.match(r"^[1-4]px solid #[0-9a-f]{6}$", d.value), d.value
        assert element is None or element.tag not in ("p", "div")


def test_max_width_is_only_on_tables() -> None:
    found = [e for e, d in _declarations("max-width") if e is not None]
    assert found
    assert {e.tag for e in found} == {"table"}


def test_align_is_only_center_on_cells_and_role_only_on_tables() -> None:
    assert {(e.tag, e.attrs["align"]) for _, e in _with_attribute("align")} == \
        {("td", "center")}
    assert {(e.tag, e.attrs["role"]) for _, e in _with_attribute("role")} == \
        {("table", "presentation")}


def test_lang_is_only_on_html_and_aria_hidden_only_on_the_preheader() -> None:
    assert {e.tag for _, e in _with_attribute("lang")} == {"html"}
    assert {e.attrs.get("class") for _, e in _with_attribute("aria-hidden")} == {"preheader"}


def test_widths_in_attributes_are_percentages_and_there_are_no_images() -> None:
    assert {e.attrs["width"] for _, e in _with_attribute("width")} == {"100%"}
    assert not any(e.tag == "img" for doc in DOCS for e in doc.elements())


def test_body_carries_only_its_margin_padding_and_the_page_colour() -> None:
    for doc in DOCS:
        [body] = [e for e in doc.elements() if e.tag == "body"]
        assert {d.name for d in body.style} <= {"margin", "padding", "background-color"}


def test_lists_never_use_reversed_or_value() -> None:
    for doc in DOCS:
        for element in doc.elements():
            assert not (element.tag == "ol" and "reversed" in element.attrs)
            assert not (element.tag == "li" and "value" in element.attrs)


@pytest.mark.parametrize("query", ["(prefers-color-scheme: dark)", "(max-width: 480px)"])
def test_media_queries_are_single_and_never_nested(query: str) -> None:
    for sample in EMAILS:
        assert sample.email.html.count(f"@media {query}") == 1
        assert not re.search(r"@media[^{]*\{[^}]*@media", sample.email.html)
