"""An email's HTML as a tree of elements, as a mail client reads it.

Outlook-only blocks (``<!--[if mso]>…<![endif]-->``) stay comments: every other client
skips them, and what they hold (VML) is Outlook's own. The "not Outlook" blocks
(``<!--[if !mso]><!-->…<!--<![endif]-->``) are ordinary HTML between two comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser

from reconnect.mail.checks.css import Declaration, declarations

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    @cached_property
    def classes(self) -> frozenset[str]:
        return frozenset(self.attrs.get("class", "").split())

    @cached_property
    def style(self) -> tuple[Declaration, ...]:
        """The declarations of its style attribute, in order."""
        return declarations(self.attrs.get("style", ""))

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def own_text(self) -> str:
        """The text directly inside this element (not inside its children)."""
        return "".join(child for child in self.children if isinstance(child, str))

    def describe(self) -> str:
        """``<td class="card-cell">``: enough to find the element in the template."""
        classes = self.attrs.get("class")
        return f'<{self.tag} class="{classes}">' if classes else f"<{self.tag}>"


@dataclass
class Document:
    root: Element
    doctype: str | None
    comments: list[str]

    def elements(self) -> Iterator[Element]:
        """Every element, in document order."""
        stack = list(reversed(self.root.children))
        while stack:
            node = stack.pop()
            if isinstance(node, Element):
                yield node
                stack.extend(reversed(node.children))

    def style_blocks(self) -> list[str]:
        return [e.own_text() for e in self.elements() if e.tag == "style"]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.doctype: str | None = None
        self.comments: list[str] = []

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> Element:
        parent = self.stack[-1]
        element = Element(tag, {name: value or "" for name, value in attrs}, parent)
        parent.children.append(element)
        return element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = self._element(tag, attrs)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        # Close the nearest open element of this name (and any left open inside it).
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl


def parse_html(html: str) -> Document:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return Document(builder.root, builder.doctype, builder.comments)
