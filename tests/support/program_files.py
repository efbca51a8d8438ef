"""Editing a program folder the way an editor would, and finding the problems the check
reports: shared by the loader and validation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnect.program.loader import Problem, ProgramError, load_program_dir


def edit(directory: Path, rel: str, old: str, new: str) -> None:
    """Replace the first ``old`` in one file; fails loudly if the fixture text has moved."""
    path = directory / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def replace_body(directory: Path, rel: str, body: str) -> None:
    path = directory / rel
    head, sep, _ = path.read_text(encoding="utf-8").partition("\n---\n")
    assert sep
    path.write_text(head + sep + body, encoding="utf-8")


def line_with(directory: Path, rel: str, fragment: str) -> int:
    """1-based number of the first line containing ``fragment``, as an editor sees it."""
    lines = (directory / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


def problems_loading(directory: Path) -> list[Problem]:
    with pytest.raises(ProgramError) as caught:
        load_program_dir(directory)
    assert caught.value.problems, "a ProgramError must carry at least one problem"
    return caught.value.problems


def find_problem(problems: list[Problem], file: str, fragment: str, *,
                 field: str | None = None, line: int | None = None,
                 fix: str = "") -> Problem:
    """The problem for ``file`` whose message contains ``fragment`` (and, when given,
    with that field and line, and a fix containing ``fix``). Its printed form must name
    all of them, on one line, so an editor can find the place and act."""
    for problem in problems:
        if problem.file == file and fragment in problem.message \
                and (field is None or problem.field == field) \
                and (line is None or problem.line == line) and fix in problem.fix:
            text = str(problem)
            assert "\n" not in text
            for part in (file, problem.field, fragment, fix):
                assert part in text
            if line is not None:
                assert text.startswith(f"{file} line {line}: ")
            return problem
    raise AssertionError(f"no problem for {file} (field {field!r}, line {line}) containing "
                         f"{fragment!r} and fix {fix!r} in:\n" +
                         "\n".join(str(p) for p in problems))
