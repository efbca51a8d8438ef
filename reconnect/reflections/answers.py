"""An answer as sent (one value, or several for a multi question) checked against the
question, and the form it is stored in."""

from __future__ import annotations

from collections.abc import Sequence

from reconnect.program.model import Prompt

CHOOSE_ONE = "Please choose one of the answers shown."
CHOOSE_SOME = "Please tick at least one of the answers shown."
UNKNOWN = "'{value}' is not one of the answers to this question."
TWICE = "'{value}' is chosen twice; choose each answer once."
ONE_ONLY = "This question takes one answer; choose one of the answers shown."


class AnswerProblem(ValueError):
    pass


def stored_answer(prompt: Prompt, sent: str | Sequence[str]) -> str:
    """What is stored for ``sent``: the value, or a multi question's values comma-joined
    in the order the question offers them (values are keys: they hold no commas)."""
    values = [sent] if isinstance(sent, str) else list(sent)
    values = [value for value in values if value != ""]
    if prompt.kind != "multi":
        if len(values) > 1:
            raise AnswerProblem(ONE_ONLY)
        if not values or prompt.label_for(values[0]) is None:
            raise AnswerProblem(CHOOSE_ONE)
        return values[0]
    if not values:
        raise AnswerProblem(CHOOSE_SOME)
    offered = [value for value, _ in prompt.answers]
    for index, value in enumerate(values):
        if value not in offered:
            raise AnswerProblem(UNKNOWN.format(value=value[:40]))
        if value in values[:index]:
            raise AnswerProblem(TWICE.format(value=value))
    return ",".join(value for value in offered if value in values)


def chosen(prompt: Prompt, tapped: str | None) -> tuple[str, ...]:
    """The answers a link chose (``?answer=``), when they are answers to the question."""
    if not tapped:
        return ()
    try:
        return prompt.values_of(stored_answer(prompt, tapped.split(",")
                                              if prompt.kind == "multi" else tapped))
    except AnswerProblem:
        return ()
