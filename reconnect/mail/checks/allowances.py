"""The one allow-list: every HTML or CSS feature our emails use that a target client
lacks or supports only in part (per caniemail), with the fallback that covers it there.

An entry names the feature (caniemail's slug), the clients it is allowed for, and why
the email still reads right in them. The tests fail on a gap with no entry, and on an
entry no email needs any more, so the list stays exactly as long as the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconnect.mail.checks.caniemail import CLIENT_KEYS

GMAIL = ("gmail-web", "gmail-ios", "gmail-android")
GMAIL_APPS = ("gmail-ios", "gmail-android")
OUTLOOK_WINDOWS = ("outlook-windows",)
OUTLOOK_MACOS = ("outlook-macos",)
OUTLOOK_COM = ("outlook-com",)
OUTLOOK_IOS = ("outlook-ios",)
OUTLOOK = ("outlook-windows", "outlook-macos", "outlook-com", "outlook-ios")
YAHOO = ("yahoo-web", "yahoo-ios", "yahoo-android")


@dataclass(frozen=True)
class Allowance:
    feature: str
    clients: tuple[str, ...]
    fallback: str

    def __post_init__(self) -> None:
        unknown = set(self.clients) - CLIENT_KEYS
        if unknown or not self.clients or not self.fallback.strip():
            raise ValueError(f"allowance for {self.feature}: unknown clients {unknown} or "
                             "no fallback")


ALLOWANCES: tuple[Allowance, ...] = (
    # Structure and the document itself.
    Allowance("html-doctype", (*OUTLOOK_WINDOWS, "yahoo-android"),
              "The layout is tables sized by attributes and cell padding, which draw the "
              "same with or without standards mode."),
    Allowance("html-body", (*GMAIL, *OUTLOOK_MACOS, *OUTLOOK_COM, *OUTLOOK_IOS, *YAHOO),
              "<body> carries only margin 0 and the page colour again; the page colour, "
              "width and padding are on the outer table and its cell, which every client "
              "keeps."),
    Allowance("html-lang", YAHOO,
              "Partial only on <td>; lang is on <html> alone."),
    Allowance("html-role", YAHOO,
              "Partial: role works on <table> only, and role=\"presentation\" is only on "
              "tables."),
    Allowance("html-aria-hidden", YAHOO,
              "Only the preheader has it, and it is also display:none, which Yahoo keeps, "
              "so screen readers skip it anyway."),
    Allowance("html-lists", (*GMAIL, *OUTLOOK, *YAHOO),
              "The gaps are the reversed attribute on <ol> and value on <li>, which stage "
              "text cannot produce (Markdown lists never write them)."),
    Allowance("html-align", OUTLOOK_MACOS,
              "align=\"left\"/\"right\" on <table> is what fails; align is only "
              "\"center\", on cells."),
    Allowance("html-width", OUTLOOK_WINDOWS,
              "The bugs are images and 120 dpi scaling of pixel widths: there are no images, "
              "width attributes are 100%, and the one pixel width (the 600 px Outlook-only "
              "frame) is drawn at 96 dpi, as the head tells Outlook."),
    Allowance("html-style", (*GMAIL, *OUTLOOK_WINDOWS),
              "The one <style> block is in <head>, under 2 KB, declared before use, and "
              "holds only the dark and small-screen rules: every style the layout needs is "
              "inlined, so a client that drops the block (Gmail with a non-Google account) "
              "shows the light design, which its own inversion keeps readable."),
    Allowance("html-meta-color-scheme", (*GMAIL, *OUTLOOK, "apple-mail-ios", *YAHOO),
              "It only tells clients the email has a dark design; the dark colours come from "
              "the prefers-color-scheme rules, and every colour pair also passes the "
              "contrast check under full and partial inversion."),
    # The <style> block: dark mode and small screens.
    Allowance("css-at-media", (*GMAIL, *OUTLOOK, *YAHOO),
              "The queries are prefers-color-scheme and max-width, never nested or "
              "height-based; Outlook for Windows has none, and neither do Gmail's "
              "non-Google accounts: they get the inlined design, which is fluid (100% width "
              "up to 600 px) and readable on a phone without the query."),
    Allowance("css-at-media-prefers-color-scheme", (*GMAIL, *OUTLOOK_WINDOWS, *YAHOO),
              "These clients recolour the light design themselves: its colours are chosen "
              "so that every text/background pair stays at 4.5:1 or more under full and "
              "partial inversion (the contrast check)."),
    Allowance("css-important", (*GMAIL, *OUTLOOK_WINDOWS, *YAHOO),
              "!important is written in lower case, after a space, only in the <style> "
              "block (never inline, never with background-image)."),
    Allowance("css-selector-class", GMAIL_APPS,
              "Unsupported with non-Google accounts, which drop the <style> block: see the "
              "<style> entry. Every layout style is inlined."),
    Allowance("css-selector-type", GMAIL_APPS,
              "As for class selectors: only the dark rules use them."),
    Allowance("css-selector-descendant", GMAIL_APPS,
              "As for class selectors: only the dark rules use them."),
    Allowance("css-selector-grouping", GMAIL_APPS,
              "As for class selectors: only the dark rules use them."),
    # Box model: padding on cells, no layout from properties Outlook lacks.
    Allowance("css-padding", OUTLOOK_WINDOWS,
              "Layout padding is on table cells only; links carry padding for the other "
              "clients and their cells carry mso-padding-alt, so buttons keep their size in "
              "Outlook. The padding-left Outlook ignores on lists it replaces with its own "
              "indent."),
    Allowance("css-margin", (*GMAIL, *OUTLOOK, *YAHOO),
              "No negative or auto margins; margins are only on text blocks (p, h1, h2, "
              "lists) and the button's table, none of which has a background colour."),
    Allowance("css-border", OUTLOOK_WINDOWS,
              "Borders are 1 to 4 px, on cells and links, never on <p> or <div>; the answer "
              "links' borders are repeated for Outlook as mso-border-alt on their cells."),
    Allowance("css-border-radius", (*OUTLOOK_WINDOWS, *YAHOO),
              "Outlook for Windows draws square corners (the 1 to 5 answers are VML circles "
              "there); Yahoo lacks only the elliptical '/' form, which is not used."),
    Allowance("css-max-width", OUTLOOK_WINDOWS,
              "max-width is on tables only, and an Outlook-only 600 px table holds the "
              "width in versions that ignore it."),
    Allowance("css-width", OUTLOOK_WINDOWS,
              "The only CSS width is on the 1 to 5 answer links, which Outlook for Windows "
              "never sees: it gets 44 px VML circles in their place."),
    Allowance("css-display", (*GMAIL_APPS, *OUTLOOK_WINDOWS, *YAHOO),
              "Only block, inline-block and none are used. Outlook for Windows ignores "
              "block/inline-block on links: its buttons and answers take their size from "
              "the cells (mso-padding-alt) or VML instead."),
    Allowance("css-display-none", OUTLOOK_WINDOWS,
              "Used on the preheader <div> only (no table or image inside), which also "
              "carries mso-hide:all for Outlook."),
    Allowance("css-line-height", OUTLOOK_WINDOWS,
              "Text line heights are unitless; the one in pixels is on the 1 to 5 answer "
              "links, which Outlook for Windows replaces with VML."),
    # Text.
    Allowance("css-font-size", (*OUTLOOK_WINDOWS, *YAHOO),
              "The gap is rem units; sizes are in px."),
    Allowance("css-font-weight", (*OUTLOOK_WINDOWS, *YAHOO),
              "The gap is numeric weights; only the keywords bold and normal are used."),
    Allowance("css-text-align", ("gmail-android", *OUTLOOK_WINDOWS, *YAHOO),
              "The gaps are start, end and match-parent; only center is used."),
    Allowance("css-text-decoration", (*GMAIL_APPS, *OUTLOOK_WINDOWS),
              "Only 'none', one value, inline, on buttons and answers: a client that keeps "
              "the underline still shows a readable, working link."),
)
