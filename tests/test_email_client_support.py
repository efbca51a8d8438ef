"""Every email uses only HTML and CSS that Gmail (web, iOS, Android), Outlook (Windows,
macOS, Outlook.com, iOS), Apple Mail (macOS, iOS) and Yahoo support, by caniemail's
data; anything a client lacks or supports in part is in the one allow-list, with the
fallback that covers it there, and the allow-list holds nothing more."""

from __future__ import annotations

import re

import pytest

from reconnect.mail.checks import caniemail as caniemail_module
from reconnect.mail.checks.allowances import ALLOWANCES, Allowance
from reconnect.mail.checks.caniemail import CLIENTS, Level, SupportData
from reconnect.mail.checks.features import NOT_TRACKED, uses
from reconnect.mail.checks.html_tree import parse_html
from reconnect.mail.checks.support import check_support, unneeded_allowances
from reconnect.settings import PROJECT_ROOT
from tests.support.caniemail import caniemail_data
from tests.support.emails import EMAILS, IDS, SampleEmail


@pytest.fixture(scope="module")
def data() -> SupportData:
    return caniemail_data()


@pytest.mark.parametrize("sample", EMAILS, ids=IDS)
def test_every_feature_of_every_email_works_in_every_client_or_has_a_fallback(
        sample: SampleEmail, data: SupportData) -> None:
    report = check_support(parse_html(sample.email.html), data)
    assert report.problems() == []
    assert "html-table" in report.features  # the check did read the email


def test_every_allowance_is_needed_by_some_email(data: SupportData) -> None:
    reports = [check_support(parse_html(s.email.html), data) for s in EMAILS]
    assert unneeded_allowances(reports) == []


def test_every_allowance_names_a_feature_caniemail_knows(data: SupportData) -> None:
    assert [a.feature for a in ALLOWANCES if a.feature not in data.features] == []


def test_the_allow_list_has_one_entry_per_feature() -> None:
    features = [a.feature for a in ALLOWANCES]
    assert sorted(features) == sorted(set(features))


def test_the_checked_clients_are_the_ones_named_in_the_data(data: SupportData) -> None:
    families = {(c.family, c.platform) for c in CLIENTS}
    tested = {(family, platform) for feature in data.features.values()
              for family, platforms in feature.stats.items() for platform in platforms}
    assert families <= tested
    assert len(CLIENTS) == 12


def test_a_feature_outlook_lacks_is_reported_with_the_client_and_the_place(
        data: SupportData) -> None:
    doc = parse_html('<html><body><div style="display:flex">Hi</div></body></html>')
    report = check_support(doc, data, allowances=())
    gaps = {(g.feature, g.client.key) for g in report.uncovered}
    assert ("css-display-flex", "outlook-windows") in gaps
    [problem] = [p for p in report.problems() if "display:flex" in p and "Windows" in p]
    assert '<div> style: display' in problem
    assert not report.ok


def test_an_allowance_covers_only_the_clients_it_names(data: SupportData) -> None:
    doc = parse_html('<html><body><p style="border-radius:4px">Hi</p></body></html>')
    only_outlook = Allowance("css-border-radius", ("outlook-windows",), "square corners")
    report = check_support(doc, data, allowances=(only_outlook,))
    assert "outlook-windows" in {g.client.key for g, _ in report.covered}
    assert {g.client.key for g in report.uncovered if g.feature == "css-border-radius"} == \
        {"yahoo-web", "yahoo-ios", "yahoo-android"}


def test_a_feature_caniemail_has_no_entry_for_is_reported_not_ignored(
        data: SupportData) -> None:
    doc = parse_html('<html><body><p style="zoom:2">Hi</p></body></html>')
    report = check_support(doc, data)
    assert [slug for slug, _ in report.unknown] == ["css-zoom"]
    assert not report.ok


def test_the_old_layout_used_what_outlook_for_windows_cannot_draw(data: SupportData) -> None:
    # The answer pills before this layout: padding, inline-block, min-width and rounded
    # corners on a link.
    old = ('<html><body><table style="padding:32px"><tr><td><a style="display:inline-block;'
           'padding:10px 16px;min-width:24px;border-radius:999px" href="#">1</a>'
           '</td></tr></table></body></html>')
    report = check_support(parse_html(old), data)
    assert {"css-min-width", "css-border-radius", "css-display"} <= \
        {g.feature for g in report.uncovered if g.client.key == "outlook-windows"} | \
        {g.feature for g, _ in report.covered if g.client.key == "outlook-windows"}
    assert "css-min-width" in {g.feature for g in report.uncovered}


def test_selectors_media_queries_and_values_are_read_as_caniemail_names_them() -> None:
    css = ("@media (prefers-color-scheme: dark) { .a, td > p.b { color: #fff !important; "
           "padding-left: 2em; width: calc(100% - 4px) } }")
    found = {use.feature for use in uses(parse_html(f"<style>{css}</style>"))}
    assert {"css-at-media", "css-at-media-prefers-color-scheme", "css-selector-grouping",
            "css-selector-class", "css-selector-child", "css-selector-type",
            "css-selector-chaining", "css-important", "css-padding", "css-unit-em",
            "css-width", "css-unit-calc", "css-unit-percent", "css-unit-px",
            "html-style"} <= found


def test_outlook_only_blocks_are_not_read_as_html_every_client_draws() -> None:
    html = ('<html><body><!--[if mso]><v:roundrect><center style="display:flex">1</center>'
            '</v:roundrect><![endif]--><!--[if !mso]><!--><a href="https://x.test" '
            'style="display:block">1</a><!--<![endif]--></body></html>')
    found = {use.feature for use in uses(parse_html(html))}
    assert "css-display-flex" not in found
    assert {"css-display", "html-comments"} <= found


def test_what_caniemail_does_not_track_is_named_with_a_reason() -> None:
    assert all(reason.strip() for reason in NOT_TRACKED.values())


def test_the_fetch_script_and_the_checks_pin_the_same_version() -> None:
    script = (PROJECT_ROOT / "scripts" / "fetch-caniemail").read_text()
    pinned = re.search(r"^CANIEMAIL_VERSION=(\S+)$", script, re.MULTILINE)
    assert pinned is not None
    assert pinned.group(1) == caniemail_module.CANIEMAIL_VERSION


def test_a_verdict_is_the_latest_test_of_the_client(data: SupportData) -> None:
    # caniemail lists Apple Mail on macOS as unsupported in 10.3, supported from 12.4.
    feature = data.features["css-at-media-prefers-color-scheme"]
    apple = next(c for c in CLIENTS if c.key == "apple-mail-macos")
    assert feature.verdict(apple).level is Level.SUPPORTED
    gmail = next(c for c in CLIENTS if c.key == "gmail-web")
    assert feature.verdict(gmail).level is Level.UNSUPPORTED
