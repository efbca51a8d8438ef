"""Every piece of text in every email, buttons and answers included, stands at 4.5:1 or
more against its background: as designed (light), under our dark-mode rules, and under
the full and partial inversions Gmail and Outlook apply on their own."""

from __future__ import annotations

import pytest

from reconnect.mail.checks.cascade import UnreadableStyles
from reconnect.mail.checks.colors import (
    contrast_ratio,
    invert_lightness,
    lightness,
    parse_color,
    to_hex,
)
from reconnect.mail.checks.contrast import MIN_RATIO, Mode, check_contrast
from reconnect.mail.checks.html_tree import parse_html
from tests.support.emails import EMAILS, IDS, SampleEmail

DARK = "@media (prefers-color-scheme: dark) {{ {} }}"


def _page(body: str, dark_rules: str = "") -> str:
    return (f"<html><head><style>{DARK.format(dark_rules)}</style></head><body>"
            f'<table style="background-color:#ffffff;color:#2b2522"><tr><td>{body}'
            "</td></tr></table></body></html>")


def _lowest(html: str, mode: Mode) -> float:
    result = next(r for r in check_contrast(parse_html(html)).modes if r.mode is mode)
    assert result.lowest is not None
    return result.lowest.ratio


@pytest.mark.parametrize("sample", EMAILS, ids=IDS)
def test_every_text_and_background_pair_reads_in_every_colour_mode(
        sample: SampleEmail) -> None:
    report = check_contrast(parse_html(sample.email.html))
    assert report.problems() == []
    assert [r.mode for r in report.modes] == list(Mode)
    assert all(len(r.pairs) > 5 for r in report.modes)  # the check found the text


@pytest.mark.parametrize(("name", "where"), [
    ("main/invitation", '<a class="button">'),
    ("main/affection/inviter-joined", '<a class="scale-answer">'),
    ("main/affection/inviter-joined", '<a class="choice">'),
    ("main/affection/inviter-joined", '<p class="sign-off">'),
    ("main/affection/inviter-joined", "This week's exercise"),
])
def test_buttons_answers_and_the_exercise_box_are_checked_in_every_mode(
        name: str, where: str) -> None:
    sample = next(s for s in EMAILS if s.name == name)
    for result in check_contrast(parse_html(sample.email.html)).modes:
        ratios = [p.ratio for p in result.pairs if where in (p.where, p.text)]
        assert ratios, f"{where} not checked in {result.mode}"
        assert min(ratios) >= MIN_RATIO


def test_the_dark_button_is_dark_text_on_peach() -> None:
    invitation = next(s for s in EMAILS if s.name == "main/invitation")
    dark = check_contrast(parse_html(invitation.email.html)).modes[1]
    [button] = [p for p in dark.pairs if p.where == '<a class="button">']
    assert (button.color, button.background) == ("#1d1b1a", "#f2a98a")


def test_the_exercise_box_keeps_a_background_of_its_own_in_dark_mode() -> None:
    stage = next(s for s in EMAILS if s.name == "main/affection/inviter-joined")
    dark = check_contrast(parse_html(stage.email.html)).modes[1]
    backgrounds = {p.text: p.background for p in dark.pairs}
    assert backgrounds["This week's exercise"] != backgrounds["A moment to reflect"]


def test_the_old_dark_rule_that_recoloured_the_button_is_caught() -> None:
    # "a, .answer {color:#f2a98a !important}" also caught the button: peach on rust.
    html = _page('<a class="button" href="#" style="background-color:#9c4a2e;color:#ffffff">'
                 "Confirm</a>", "a, .answer { color: #f2a98a !important; }")
    [problem] = check_contrast(parse_html(html)).problems()
    assert problem.startswith("dark: 'Confirm' in <a class=\"button\">")
    assert "#f2a98a on #9c4a2e, 3.15:1" in problem


def test_a_more_specific_dark_rule_wins_as_in_a_browser() -> None:
    html = _page('<table><tr><td class="button-cell" style="background-color:#9c4a2e">'
                 '<a class="button" href="#" style="color:#ffffff">Confirm</a></td></tr>'
                 "</table>",
                 "a { color: #f2a98a !important; } "
                 ".button-cell { background-color: #f2a98a !important; } "
                 ".button-cell .button { color: #1d1b1a !important; }")
    assert _lowest(html, Mode.DARK) == pytest.approx(8.84, abs=0.01)


def test_inline_styles_beat_rules_that_are_not_important() -> None:
    html = _page('<p style="color:#2b2522">Words</p>', "p { color: #ffffff; }")
    assert _lowest(html, Mode.DARK) > 14


def test_light_grey_text_fails_and_says_where() -> None:
    html = _page('<p class="muted" style="color:#999999">Small print</p>')
    problems = check_contrast(parse_html(html)).problems()
    assert problems[0] == ("light: 'Small print' in <p class=\"muted\"> is #999999 on "
                           "#ffffff, 2.85:1 (at least 4.5:1 needed)")


def test_a_mid_tone_that_passes_in_light_can_fail_once_gmail_inverts_it() -> None:
    # Navy on pink reads at 4.9:1; mirrored in lightness it drops to 3.3:1.
    html = _page('<p style="color:#000099;background-color:#ff33ff">Hi</p>')
    report = check_contrast(parse_html(html))
    failing = {r.mode for r in report.modes if r.failing}
    assert Mode.LIGHT not in failing
    assert {Mode.INVERTED, Mode.PARTLY_INVERTED} <= failing


def test_hidden_text_and_outlook_only_blocks_are_not_checked() -> None:
    html = _page('<div style="display:none;color:#ffffff">preheader</div>'
                 '<!--[if mso]><center style="color:#ffffff">1</center><![endif]-->'
                 "<p>Seen</p>")
    report = check_contrast(parse_html(html))
    assert report.ok
    assert all(len(r.pairs) == 1 for r in report.modes)


def test_a_link_without_its_own_colour_is_checked_as_browser_blue() -> None:
    html = ('<html><body><table style="background-color:#1d1b1a;color:#ffffff"><tr><td>'
            '<a href="#">blue</a></td></tr></table></body></html>')
    assert _lowest(html, Mode.LIGHT) < MIN_RATIO


@pytest.mark.parametrize("rules", [
    "td + p { color: #000; }",
    "p:first-child { color: #000; }",
    "#id { color: #000; }",
])
def test_a_selector_the_check_cannot_evaluate_is_an_error_not_a_pass(rules: str) -> None:
    with pytest.raises(UnreadableStyles, match="selector"):
        check_contrast(parse_html(_page("<p>Hi</p>", rules)))


def test_a_colour_set_by_another_media_query_is_an_error_not_a_pass() -> None:
    html = ("<html><head><style>@media (max-width: 480px) { p { color: #eee; } }</style>"
            "</head><body><p>Hi</p></body></html>")
    with pytest.raises(UnreadableStyles, match="max-width"):
        check_contrast(parse_html(html))


def test_an_unreadable_colour_is_an_error_not_a_pass() -> None:
    with pytest.raises(UnreadableStyles, match="cannot read the colour"):
        check_contrast(parse_html(_page('<p style="color:hsl(0, 0%, 50%)">Hi</p>')))


@pytest.mark.parametrize(("foreground", "background", "ratio"), [
    ("#ffffff", "#000000", 21.0), ("#777777", "#ffffff", 4.48), ("#9c4a2e", "#fff", 6.12),
    ("rgb(255, 255, 255)", "black", 21.0),
])
def test_contrast_ratios_match_wcag(foreground: str, background: str, ratio: float) -> None:
    fg, bg = parse_color(foreground), parse_color(background)
    assert fg is not None
    assert bg is not None
    assert contrast_ratio(fg, bg) == pytest.approx(ratio, abs=0.01)


def test_inversion_mirrors_lightness_and_keeps_the_hue() -> None:
    rust = parse_color("#9c4a2e")
    assert rust is not None
    inverted = invert_lightness(rust)
    assert lightness(inverted) == pytest.approx(100 - lightness(rust), abs=0.5)
    assert to_hex(inverted) == "#ce7556"  # a lighter rust, not a blue
    white = parse_color("#ffffff")
    assert white is not None
    assert to_hex(invert_lightness(white)) == "#000000"
