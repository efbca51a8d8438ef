"""Plain-text parts that read well in any mail program: lines under 78 characters
(RFC 5322's advice), with lists and indented blocks keeping their indent when wrapped.

A link is never broken: a line holding only a link may be longer, as a link cut in two
leads nowhere. Wrapping is a pure function of the text, so a rendered email is the same
bytes every time.
"""

from __future__ import annotations

import re
import textwrap

# Lines end before column 78; 76 leaves room for the quoting a reply adds ("> ").
WIDTH = 76
# Leading spaces, then an optional list marker: continuation lines align after it.
_LEAD = re.compile(r"^( *(?:[-*+] |\d{1,3}[.)] )?)")
_RULE = re.compile(r"^ *([-=])\1+ *$")  # a heading's underline
# One word holding a link ("https://…", "(https://…)."), maybe after a list marker.
_LINK = re.compile(r"^ *(?:[-*+] |\d{1,3}[.)] )?\S*(?:https?|mailto):\S+$")


def wrap_plain(text: str) -> str:
    return "\n".join(line for raw in text.split("\n") for line in wrap_line(raw))


def wrap_line(line: str) -> list[str]:
    """One line of text (no newline in it), wrapped: each line is wrapped on its own."""
    line = line.rstrip()
    if len(line) <= WIDTH or _LINK.match(line):
        return [line]
    if _RULE.match(line):
        return [line.strip()[:WIDTH]]
    lead = _LEAD.match(line)
    prefix = lead.group(1) if lead else ""
    return textwrap.wrap(line[len(prefix):], width=WIDTH, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix), break_long_words=False,
                         break_on_hyphens=False) or [line]


def is_within_width(line: str) -> bool:
    """What the text parts promise: short lines, or a line holding one link alone."""
    return len(line) < 78 or bool(_LINK.match(line))
