"""Content that answers back: a stage's block shown only after certain earlier answers."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.program.loader import ProgramError, load_program_dir
from reconnect.runtime import Runtime
from tests.support.flows import ANA, first_stage_email, send_due_now
from tests.support.links import reflect_paths
from tests.support.smtp import SmtpSink

BLOCK = "If last week felt far apart"


@pytest.mark.parametrize(("rating", "shown"), [("1", True), ("2", True), ("4", False),
                                                (None, False)])
def test_last_weeks_rating_decides_whether_the_support_block_is_sent(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        rating: str | None, shown: bool) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    if rating is not None:
        path = next(p for p in reflect_paths(message) if "/connection?" in p)
        assert client.post(path.split("?")[0], data={"answer": rating}).status_code == 200
    clock.advance(timedelta(days=7))
    send_due_now(runtime)
    acknowledge = smtp_sink.to(ANA)[-1]
    assert (BLOCK in acknowledge.text) is shown
    assert (BLOCK in acknowledge.html) is shown


def test_a_condition_on_a_question_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "program" / "main"
    target = tmp_path / "main"
    shutil.copytree(source, target)
    acknowledge = target / "stages" / "acknowledge.md"
    acknowledge.write_text(acknowledge.read_text() + '\n{% if previous.closeness == "1" %}'
                           "A line for a question last week did not ask.{% endif %}\n")
    with pytest.raises(ProgramError) as failed:
        load_program_dir(target)
    [problem] = failed.value.problems
    assert problem.file == "stages/acknowledge.md"
    assert "closeness" in problem.message
    welcome = load_program_dir(source).stage("welcome")
    assert welcome is not None
    for asked in welcome.prompts:  # the questions it could have named
        assert asked.key in problem.message
