"""YAML that remembers where things are: the parsed data, the node tree it was built
from, and the file line of any field, so a problem can point at the line an editor sees.

Lines here are file lines (1-based): ``first_line`` is the file line of the text's first
line, 2 for front matter (line 1 is the opening ``---``), 1 for the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

Loc = Sequence[str | int]


@dataclass(frozen=True)
class YamlText:
    data: Any
    root: yaml.Node | None
    first_line: int

    def line_of_node(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.first_line

    def node_at(self, loc: Loc) -> yaml.Node | None:
        """The value node at ``loc`` (e.g. ``("prompts", 0, "key")``), if it is there."""
        node = self.root
        for part in loc:
            step = _step(node, part)
            if step is None:
                return None
            node = step[1]
        return node

    def line_of(self, loc: Loc) -> int | None:
        """The line of the field at ``loc``: its key's line, an item's first line, or, for
        a field that is not there (missing), the line of the nearest part that is."""
        node = self.root
        if node is None:
            return None
        line = self.line_of_node(node)
        for part in loc:
            step = _step(node, part)
            if step is None:
                break
            here, node = step
            line = self.line_of_node(here)
        return line


@dataclass(frozen=True)
class YamlSyntaxError(Exception):
    line: int | None
    message: str
    fix: str


@dataclass(frozen=True)
class DuplicateKey:
    field: str  # the dotted path of the repeated field
    first_line: int
    line: int


def load(text: str, first_line: int = 1) -> YamlText:
    """Parses ``text``; raises YamlSyntaxError with the file line and what to check."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, first_line) from None
    finally:
        loader.dispose()
    return YamlText(data, root, first_line)


def duplicate_keys(doc: YamlText) -> list[DuplicateKey]:
    """Keys repeated inside one mapping. YAML keeps only the last, silently."""
    found: list[DuplicateKey] = []
    for path, node in _mappings(doc.root, ()):
        seen: dict[str, yaml.Node] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            first = seen.setdefault(key.value, key)
            if first is not key:
                field = ".".join(str(p) for p in (*path, key.value))
                found.append(DuplicateKey(field, doc.line_of_node(first), doc.line_of_node(key)))
    return found


def _step(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(where the part is written, its value) one level down, or None."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        # The last of repeated keys wins, as it does in the parsed data.
        for key, value in reversed(node.value):
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
            and 0 <= part < len(node.value):
        item: yaml.Node = node.value[part]
        return item, item
    return None


def _mappings(node: yaml.Node | None, path: tuple[str | int, ...]
              ) -> Iterator[tuple[tuple[str | int, ...], yaml.MappingNode]]:
    if isinstance(node, yaml.MappingNode):
        yield path, node
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            yield from _mappings(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _mappings(item, (*path, index))


def _syntax_error(exc: yaml.YAMLError, text: str, first_line: int) -> YamlSyntaxError:
    mark = getattr(exc, "problem_mark", None)
    index = int(mark.line) if mark is not None else None
    reason = getattr(exc, "problem", None) or "is not valid YAML"
    tabbed = [i for i, row in enumerate(text.split("\n"))
              if "\t" in row[:len(row) - len(row.lstrip())]]
    if index in tabbed or (tabbed and ("\\t" in reason or " tab " in reason)):
        index = index if index in tabbed else tabbed[0]
        return YamlSyntaxError(index + first_line,
                               "is indented with a tab (check indentation and quoting)",
                               "YAML needs spaces: replace the tab at the start of the line "
                               "with spaces, lined up with the fields around it")
    quoted = _unclosed_quote(text, index)
    if quoted is not None:
        return YamlSyntaxError(quoted + first_line,
                               f"opens a quote that is not closed on the same line, so YAML "
                               f"reads on and fails: {reason} (check indentation and quoting)",
                               "add the closing quote at the end of the text on this line")
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and int(context_mark.line) != index:
        reason += f" ({context} that starts on line {int(context_mark.line) + first_line})"
    return YamlSyntaxError(None if index is None else index + first_line,
                           f"{reason} (check indentation and quoting)",
                           "check the indentation and quoting on this line and the one before "
                           "it: put quotes around text containing a colon, and line up fields "
                           "that belong together with the same number of spaces")


_OPENS_QUOTE = re.compile(r"""^\s*(?:- )?[\w-]+:\s+(["'])(.*)$""")


def _unclosed_quote(text: str, index: int | None) -> int | None:
    """The first line, up to the error, whose value opens a quote it does not close.
    YAML allows a quoted value over several lines, but editors never mean to."""
    for number, row in enumerate(text.split("\n")[:None if index is None else index + 1]):
        opened = _OPENS_QUOTE.match(row)
        if opened and not re.search(rf"(?<!\\){opened.group(1)}\s*(#.*)?$", opened.group(2)):
            return number
    return None
