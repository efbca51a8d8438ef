"""Every email in real headless Chromium: screenshots at 375 and 640 px, light and dark,
in test-artifacts/emails/ for people to look at; the 1 to 5 scale on one line down to a
320 px screen, nothing wider than the screen, and axe-core finding no text below WCAG
contrast in either colour scheme (a browser's second opinion on the contrast check)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.support.browser import ARTIFACTS, AXE, CHROMIUM, needs_axe, needs_chromium
from tests.support.emails import EMAILS, SampleEmail

pytestmark = needs_chromium

# Every kind of email, and each stage of both programs as a reader whose partner joined.
SHOWN = [s for s in EMAILS if s.name.endswith("/inviter-joined") or s.name.count("/") == 1]
WIDTHS = (375, 640)
SCHEMES = ("light", "dark")
SHOTS = ARTIFACTS / "emails"


def _file_name(sample: SampleEmail) -> str:
    return sample.name.removesuffix("/inviter-joined").replace("/", "-")


@pytest.fixture(scope="module")
def tabs(browser: Browser) -> Iterator[dict[tuple[int, str], Page]]:
    contexts: list[BrowserContext] = []
    pages = {}
    for width in (320, *WIDTHS):
        for scheme in SCHEMES:
            context = browser.new_context(viewport={"width": width, "height": 800},
                                          color_scheme=scheme)  # type: ignore[arg-type]
            contexts.append(context)
            pages[width, scheme] = context.new_page()
    yield pages
    for context in contexts:
        context.close()


def _show(page: Page, sample: SampleEmail) -> None:
    page.set_content(sample.email.html, wait_until="load")


@pytest.mark.parametrize("sample", SHOWN, ids=[s.name for s in SHOWN])
def test_every_email_is_photographed_at_phone_and_desktop_width_light_and_dark(
        tabs: dict[tuple[int, str], Page], sample: SampleEmail) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        for scheme in SCHEMES:
            page = tabs[width, scheme]
            _show(page, sample)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            path = SHOTS / f"{_file_name(sample)}-{width}px-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 5_000


@pytest.mark.parametrize("sample", SHOWN, ids=[s.name for s in SHOWN])
def test_on_a_320_px_phone_each_scale_is_one_line_and_nothing_is_cut(
        tabs: dict[tuple[int, str], Page], sample: SampleEmail) -> None:
    page = tabs[320, "light"]
    _show(page, sample)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for scale in page.locator("table.scale").all():
        tops = {round(box["y"]) for link in scale.locator("a").all()
                if (box := link.bounding_box()) is not None}
        assert len(tops) == 1, f"the scale wraps onto {len(tops)} lines"
        assert scale.locator("a").count() == 5
    for link in page.locator("a.scale-answer, a.choice, a.button").all():
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= 40  # a thumb's target
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 320


def test_long_answer_choices_wrap_inside_their_buttons(
        tabs: dict[tuple[int, str], Page]) -> None:
    sample = next(s for s in EMAILS if s.name == "main/share-without-blame/inviter-joined")
    short, long_label = ">Ready to try<", "A quiet walk together after dinner, just us"
    assert short in sample.email.html
    page = tabs[320, "light"]
    page.set_content(sample.email.html.replace(short, f">{long_label}<"))
    button = page.get_by_role("link", name=long_label)
    box = button.bounding_box()
    assert box is not None
    assert box["height"] > 50  # two lines of text, still inside its border
    assert box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_in_dark_mode_the_button_is_dark_text_on_peach(
        tabs: dict[tuple[int, str], Page]) -> None:
    page = tabs[375, "dark"]
    _show(page, next(s for s in EMAILS if s.name == "main/invitation"))
    button = page.get_by_role("link", name="Yes, I would like to join")
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(29, 27, 26)"
    cell = page.locator("td.button-cell")
    assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(242, 169, 138)"


@needs_axe
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("sample", SHOWN, ids=[s.name for s in SHOWN])
def test_axe_finds_no_text_below_wcag_contrast(tabs: dict[tuple[int, str], Page],
                                               sample: SampleEmail, scheme: str) -> None:
    page = tabs[640, scheme]
    _show(page, sample)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {runOnly: ['color-contrast']})")
    assert [node["target"] for v in result["violations"] for node in v["nodes"]] == []
    assert result["passes"], "axe found no text to check"


@pytest.fixture(scope="module")
def forced_dark(browser: Browser) -> Iterator[Page]:
    """Chromium's own automatic darkening, the engine Android's mail apps draw emails
    with: what a client that recolours by itself does to the light design."""
    darkening = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--blink-settings=forceDarkModeEnabled=true"])
    yield darkening.new_page(viewport={"width": 375, "height": 800})
    darkening.close()


KINDS = [s for s in SHOWN if s.name.startswith("main/") and (
    (s.name.count("/") == 1 and not s.name.startswith("main/reminder-"))
    or s.name in ("main/reminder-welcome", "main/affection/inviter-joined"))]


@pytest.mark.parametrize("sample", KINDS, ids=[s.name for s in KINDS])
def test_each_kind_is_photographed_as_a_self_darkening_client_shows_it(
        forced_dark: Page, sample: SampleEmail) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _show(forced_dark, sample)
    path = SHOTS / f"{_file_name(sample)}-375px-forced-dark.png"
    forced_dark.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
