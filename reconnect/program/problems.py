"""A problem found in a program's files, told so that an editor can find it and fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the program folder, e.g. "stages/welcome.md"
    field: str  # dotted, e.g. "prompts.0.kind"; "" for the file as a whole
    message: str  # what is wrong
    line: int | None = None  # the file's line, counting from 1, where there is one
    fix: str = ""  # what to do about it

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        text = ": ".join(part for part in (where, self.field, self.message) if part)
        return f"{text} — fix: {self.fix}" if self.fix else text


class ProgramError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def report(self, where: object) -> str:
        """Every problem under a heading naming ``where`` (the program's folder), as the
        commands print it."""
        return "\n".join([f"✗ {where}: {len(self.problems)} problem(s)",
                          *(f"  - {problem}" for problem in self.problems)])
