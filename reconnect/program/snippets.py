"""Shared texts editors keep once per program, in ``snippets/<name>.md``: the safety line
every partner exercise carries, the block for a low rating last week, the word after a
worrying answer, and the prompts that come with two revealed answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from reconnect.program.model import Stage
from reconnect.program.problems import Problem
from reconnect.program.text_checks import check_text

SNIPPETS_DIR = "snippets"
PARTNER_SAFETY = "partner-safety"
LOW_RATING = "low-rating"
SUPPORT = "support"
REVEAL = "reveal"
REVEAL_FAR_APART = "reveal-far-apart"
KNOWN = {
    PARTNER_SAFETY: "the safety line printed by {{ safety_line }} in partner exercises",
    LOW_RATING: "shown at the top of a stage after a rating of 1 or 2 the week before",
    SUPPORT: "shown after saving a worrying answer, with the help link",
    REVEAL: "shown with two revealed answers, to talk about them",
    REVEAL_FAR_APART: "shown instead of reveal when the two ratings are 2 or more apart",
}


def snippet_texts(files: Mapping[str, str]) -> dict[str, str]:
    """The program's snippets by name."""
    return {PurePosixPath(rel).stem: text for rel, text in files.items()
            if rel.startswith(f"{SNIPPETS_DIR}/")}


def required(stages: Iterable[Stage]) -> dict[str, str]:
    """The snippets the stages need, each with the reason."""
    needed: dict[str, str] = {}
    for stage in stages:
        if stage.involves_partner:
            needed.setdefault(PARTNER_SAFETY, f"stage '{stage.key}' involves the partner")
        if any(p.worrying for p in stage.prompts):
            needed.setdefault(SUPPORT, f"stage '{stage.key}' has worrying answers")
    return needed


def check_snippets(files: Mapping[str, str], stages: tuple[Stage, ...] | list[Stage],
                   problems: list[Problem], *, editorial: bool) -> None:
    texts = snippet_texts(files)
    known = ", ".join(KNOWN)
    for name, text in sorted(texts.items()):
        rel = f"{SNIPPETS_DIR}/{name}.md"
        if name not in KNOWN:
            problems.append(Problem(rel, "", f"'{name}' is not a snippet the program uses; "
                                    f"the snippets are: {known}",
                                    fix="rename the file to one of those names (check the "
                                        "spelling), or move it out of snippets/"))
            continue
        for problem in check_text(text, None, editorial=editorial, snippet=True):
            problems.append(Problem(rel, "", problem.message, problem.line, problem.fix))
        if name == PARTNER_SAFETY and "\n\n" in text.strip():
            problems.append(Problem(rel, "", "must be one paragraph: it is printed inside "
                                    "exercise texts, where {{ safety_line }} stands",
                                    fix="write it as one or two sentences, with no blank line"))
    for name, reason in required(stages).items():
        if name not in texts:
            problems.append(Problem(f"{SNIPPETS_DIR}/{name}.md", "", f"is missing: {reason}",
                                    fix=f"create it with {KNOWN[name]}"))
