"""Every HTML and CSS feature an email uses, named as caniemail.com names them
("css-padding", "html-table", "css-at-media-prefers-color-scheme", …), each with where
it is used. What caniemail has no page for is named by :data:`NOT_TRACKED`, with the
reason it needs none; anything else is reported as not mapped, so nothing used goes
unchecked."""

from __future__ import annotations

from collections.abc import Iterator

from reconnect.mail.checks.css_features import Use, declaration_uses, stylesheet_uses
from reconnect.mail.checks.html_tree import Document, Element

_TABLE = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")
_SEMANTIC = ("article", "aside", "details", "figcaption", "figure", "footer", "header", "main",
             "mark", "nav", "section", "summary", "time")
ELEMENTS = {
    **dict.fromkeys(_TABLE, "html-table"), **dict.fromkeys(_SEMANTIC, "html-semantics"),
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)},
    **dict.fromkeys(("ul", "ol", "li", "dl", "dt", "dd"), "html-lists"),
    "p": "html-p", "div": "html-div", "span": "html-span", "strong": "html-strong",
    "blockquote": "html-blockquote", "hr": "html-hr", "code": "html-code", "pre": "html-pre",
    "small": "html-small", "del": "html-del", "abbr": "html-abbr", "address": "html-address",
    "img": "html-img", "style": "html-style", "body": "html-body", "link": "html-link",
    "base": "html-base", "form": "html-form", "wbr": "html-wbr", "svg": "html-svg",
    "picture": "html-picture", "video": "html-video", "audio": "html-audio",
}
ATTRIBUTES = {
    "lang": "html-lang", "role": "html-role", "dir": "html-dir", "align": "html-align",
    "valign": "html-valign", "width": "html-width", "height": "html-height",
    "cellpadding": "html-cellpadding", "cellspacing": "html-cellspacing",
    "background": "html-background", "target": "html-target", "hidden": "html-hidden",
    "loading": "html-loading-attribute", "srcset": "html-srcset",
    "aria-hidden": "html-aria-hidden", "aria-label": "html-aria-label",
    "aria-labelledby": "html-aria-labelledby", "aria-describedby": "html-aria-describedby",
    "aria-live": "html-aria-live",
}
# Used, but with no caniemail page: why each needs none.
NOT_TRACKED = {
    "<html>, <head>, <meta>, <title>": "the frame of every HTML document",
    "<a>": "a link is what every client shows; caniemail tracks link kinds (mailto:, "
           "#anchors), which are checked",
    "<br>, <em>": "HTML 2 text markup that every client keeps",
    "class, style, href, charset, name, content, border, xmlns": "attributes every client "
           "reads or ignores harmlessly (xmlns names Outlook's VML)",
    "color, font-family": "CSS 1 properties with no caniemail page; colours are checked by "
                          "the contrast check in every colour mode",
    "mso-*": "Outlook for Windows' own properties, ignored by every other client",
}
_SILENT_ELEMENTS = {"html", "head", "meta", "title", "a", "br", "em"}
_SILENT_ATTRIBUTES = {"class", "style", "href", "charset", "name", "content", "border",
                      "xmlns:v", "xmlns:o", "xmlns:w", "xmlns"}


def uses(doc: Document) -> Iterator[Use]:
    if doc.doctype:
        yield Use("html-doctype", f"<!{doc.doctype}>")
    if doc.comments:
        yield Use("html-comments", f"<!--{doc.comments[0][:40]}-->")
    for element in doc.elements():
        yield from _element_uses(element)
    for css in doc.style_blocks():
        yield from stylesheet_uses(css)


def _element_uses(element: Element) -> Iterator[Use]:
    where = element.describe()
    if element.tag not in _SILENT_ELEMENTS:
        yield Use(ELEMENTS.get(element.tag, f"html-{element.tag}"), where)
    for name in element.attrs:
        if name == "style":
            for declaration in element.style:
                yield from declaration_uses(declaration, f"{where} style")
        elif name not in _SILENT_ATTRIBUTES and not name.startswith("data-"):
            yield Use(ATTRIBUTES.get(name, f"html-{name}-attribute"), f'{where} {name}=""')
    href = element.attrs.get("href", "")
    if element.tag == "a" and href.startswith("mailto:"):
        yield Use("html-mailto-links", where)
    if element.tag == "a" and href.startswith("#") and href != "#":
        yield Use("html-anchor-links", where)
    if element.tag == "meta" and element.attrs.get("name") in ("color-scheme",
                                                               "supported-color-schemes"):
        yield Use("html-meta-color-scheme", f'<meta name="{element.attrs["name"]}">')
