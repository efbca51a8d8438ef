"""`reconnect program versions | diff | migrate` as an editor or operator runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.main import main
from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.settings import PROJECT_ROOT
from tests.support.flows import ANA, deliveries, partner, send_due_now, signup_body
from tests.support.links import confirm_path
from tests.support.program_edits import (
    ACK,
    NEW_SUBJECT,
    OLD_SUBJECT,
    edit,
    enrolled_past_welcome,
    manifest_stages,
    next_stage_email_subject,
    swap_days,
    swapped_order,
)
from tests.support.smtp import SmtpSink


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["program", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_versions_lists_each_version_with_who_is_on_it(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    status, out, _ = run(capsys, "versions", "--program", "main")
    assert status == 0
    [row] = [line for line in out.splitlines() if line.split()[0] == str(old)]
    assert row.split()[-3:] == ["1", "←", "current"]


def test_diff_shows_what_an_edit_changed(runtime: Runtime, program_dir: Path, cli_env: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    runtime.programs.refresh()
    status, out, _ = run(capsys, "diff")
    assert status == 0
    assert "~ stage 'acknowledge':" in out
    assert f"subject: '{OLD_SUBJECT}' → '{NEW_SUBJECT}'" in out


def test_diff_of_a_version_that_does_not_exist_says_how_to_find_them(
        runtime: Runtime, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "diff", "999")
    assert status == 2
    assert "there is no version 999; `reconnect program versions` lists them" in err


def test_a_dry_run_reports_who_gets_what_next_and_changes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    before = [(d.key, d.status, d.due_at) for d in deliveries(runtime, ANA)]
    status, out, _ = run(capsys, "migrate", "--from", str(old), "--to", "current",
                         "--dry-run")
    assert status == 0
    assert f"partner {partner(runtime, ANA).id}" in out
    assert "a***@example.org: next 'acknowledge' on " in out
    assert "1 partner(s): 1 would move, 0 refused." in out
    assert [(d.key, d.status, d.due_at) for d in deliveries(runtime, ANA)] == before


def test_migrate_moves_partners_and_their_next_email_is_the_new_version(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    status, out, _ = run(capsys, "migrate", "--from", str(old), "--to", "current")
    assert status == 0
    assert "1 partner(s): 1 moved, 0 refused." in out
    assert partner(runtime, ANA).program_version_id != old
    assert next_stage_email_subject(runtime, smtp_sink, clock, ANA) == NEW_SUBJECT


def test_a_refused_migration_exits_1_and_says_nothing_changed(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    next_stage_email_subject(runtime, smtp_sink, clock, ANA)
    manifest_stages(program_dir, swapped_order(runtime, "acknowledge", "share-without-blame"))
    swap_days(program_dir, "acknowledge", "share-without-blame")
    status, out, _ = run(capsys, "migrate", "--from", str(old), "--to", "current")
    assert status == 1
    assert "refused: would get 'acknowledge' again, which they received on " in out
    assert "Nothing was changed" in out
    assert partner(runtime, ANA).program_version_id == old


def test_current_means_the_current_version_of_the_program_they_are_in(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, program_dir: Path,
        cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(PROJECT_ROOT / "program" / "check-in", program_dir / "check-in")
    runtime.programs.refresh()
    body = signup_body(partner_email=None, partner_first_name=None, program="check-in")
    assert client.post("/api/v1/signups", json=body).status_code == 202
    send_due_now(runtime)
    assert client.post(confirm_path(smtp_sink.messages[-1])).status_code == 200
    old = runtime.programs.current("check-in")[0]
    stage = program_dir / "check-in" / "stages" / "welcome.md"
    stage.write_text(stage.read_text(encoding="utf-8") + "\nOne more line.\n",
                     encoding="utf-8")
    status, out, _ = run(capsys, "migrate", "--from", str(old), "--to", "current",
                         "--dry-run")
    assert status == 0
    assert "1 partner(s): 1 would move, 0 refused." in out
