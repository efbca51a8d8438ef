"""`reconnect admin …` as an operator runs it on the server: the same actions as the
admin API, with clear output and exit codes (0 done, 1 refused, 2 invalid input)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.main import main
from reconnect.clock import ManualClock
from reconnect.models import DeliveryKind, DeliveryStatus, PartnerStatus
from reconnect.runtime import Runtime
from tests.support.admin import add_partner
from tests.support.flows import ANA, deliveries, first_stage_email, partner, row_counts
from tests.support.links import unsubscribe_path
from tests.support.smtp import Received, SmtpSink


@pytest.fixture
def welcomed(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
             cli_env: None) -> Received:
    return first_stage_email(client, runtime, smtp_sink, clock)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["admin", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_find_prints_the_partner_without_their_address(
        runtime: Runtime, welcomed: Received, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "find", "ANA@example.org")
    pid = partner(runtime, ANA).id
    assert status == 0
    assert out.startswith(f"Partner {pid}: active, program 'main' version ")
    assert "stage        welcome" in out
    assert "acknowledge (scheduled" in out
    assert ANA not in out
    status, out, _ = run(capsys, "find", ANA, "--json")
    assert json.loads(out)["id"] == pid


def test_find_says_when_nobody_has_the_address_or_it_is_not_one(
        cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "find", "nobody@example.org")[::2] == \
        (1, "error: no partner has that address\n")
    status, _, err = run(capsys, "find", "not an address")
    assert status == 2
    assert err.startswith("error: That does not look like an email address")


def test_pause_and_resume(runtime: Runtime, welcomed: Received,
                          capsys: pytest.CaptureFixture[str]) -> None:
    pid = str(partner(runtime, ANA).id)
    status, out, _ = run(capsys, "pause", pid)
    assert status == 0
    assert out.startswith(f"Partner {pid} is paused.")
    assert [d.status for d in deliveries(runtime, ANA)][-1] is DeliveryStatus.HELD
    status, out, _ = run(capsys, "resume", pid)
    assert status == 0
    assert [d.status for d in deliveries(runtime, ANA)][-1] is DeliveryStatus.SCHEDULED
    assert run(capsys, "pause", "999")[::2] == (1, "error: there is no partner 999\n")


def test_resend_queues_a_copy_and_refuses_what_cannot_be_resent(
        client: TestClient, runtime: Runtime, welcomed: Received,
        capsys: pytest.CaptureFixture[str]) -> None:
    pid = str(partner(runtime, ANA).id)
    status, out, _ = run(capsys, "resend", pid, "welcome")
    assert status == 0
    assert f"Queued a copy of 'welcome' for partner {pid}" in out
    resend = deliveries(runtime, ANA)[-1]
    assert (resend.kind, resend.key, resend.status) == \
        (DeliveryKind.RESEND, "_resend-welcome-1", DeliveryStatus.SCHEDULED)
    before = row_counts(runtime)
    status, _, err = run(capsys, "resend", pid, "no-such-stage")
    assert (status, err) == (2, "error: The partner's program version has no stage "
                                "'no-such-stage'.\n")
    assert client.post(unsubscribe_path(welcomed)).status_code == 200
    status, _, err = run(capsys, "resend", pid, "welcome")
    assert status == 1
    assert "The partner is unsubscribed" in err
    assert row_counts(runtime) == before


def test_suppress(runtime: Runtime, welcomed: Received,
                  capsys: pytest.CaptureFixture[str]) -> None:
    pid = str(partner(runtime, ANA).id)
    status, out, _ = run(capsys, "suppress", pid)
    assert status == 0
    assert "is suppressed" in out
    assert partner(runtime, ANA).suppressed_at is not None
    assert deliveries(runtime, ANA)[-1].status is DeliveryStatus.CANCELLED


def test_export_prints_or_writes_a_file_only_its_owner_can_read(
        runtime: Runtime, welcomed: Received, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pid = str(partner(runtime, ANA).id)
    status, out, _ = run(capsys, "export", pid)
    assert status == 0
    assert json.loads(out)["you"]["email"] == ANA
    target = tmp_path / "ana.json"
    status, out, _ = run(capsys, "export", pid, "--out", str(target))
    assert status == 0
    assert str(target) in out
    assert json.loads(target.read_text())["you"]["email"] == ANA
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert run(capsys, "export", "999")[0] == 1


def test_erase_needs_yes_and_can_be_repeated(runtime: Runtime, welcomed: Received,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    pid = str(partner(runtime, ANA).id)
    before = row_counts(runtime)
    status, _, err = run(capsys, "erase", pid)
    assert status == 1
    assert "run again with --yes" in err
    assert row_counts(runtime) == before
    status, out, _ = run(capsys, "erase", pid, "--yes")
    assert status == 0
    assert out.startswith(f"Erased partner {pid}: their record, ")
    assert row_counts(runtime)["partners"] == 0
    status, out, _ = run(capsys, "erase", pid, "--yes")
    assert status == 0
    assert "Nothing is stored about partner" in out


def test_stats_and_queue(runtime: Runtime, cli_env: None,
                         capsys: pytest.CaptureFixture[str]) -> None:
    for number, answer in enumerate(("1", "2", "4")):
        add_partner(runtime, f"p{number}@example.org", PartnerStatus.ACTIVE, sent=2,
                    ratings={"welcome": answer, "acknowledge": answer} if number else
                    {"welcome": answer})
    status, out, _ = run(capsys, "stats", "--program", "main")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("main: Reconnect")
    assert lines[1].split() == ["Signed", "up", "3", "100", "%"]
    assert any(line.split()[-4:] == ["2.33", "from", "3", "answer(s)"] for line in lines)
    assert any(line.split()[-4:] == ["hidden", "from", "2", "answer(s)"] for line in lines)
    assert any(line.split()[-4:] == ["–", "from", "0", "answer(s)"] for line in lines)
    assert lines[-1].startswith("Averages over fewer than 3 answers are hidden")
    status, out, _ = run(capsys, "stats", "--json")
    assert [p["program"] for p in json.loads(out)["programs"]] == ["main", "check-in"]
    assert run(capsys, "stats", "--program", "nope")[::2] == \
        (2, "error: There is no program 'nope'.\n")
    status, out, _ = run(capsys, "queue")
    assert status == 0
    assert out.splitlines()[0].split() == ["scheduled", "0"]
    assert out.splitlines()[-1] == "Dispatch lag: 0 s."
