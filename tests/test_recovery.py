"""After a relay incident: what failed between two times is sent again (shown first, done
only when asked; confirmations included), suppressed addresses are listed with their
reason and released, and a released partner's program goes on where it stopped."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cli.main import main
from reconnect.admin import recovery, service
from reconnect.clock import ManualClock
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from reconnect.signups.service import CONFIRMATION_GAP
from tests.support.admin import ADMIN_TOKEN, BEARER
from tests.support.flows import (
    ANA,
    BEN,
    deliveries,
    enrol,
    partner,
    send_due_now,
    signup_body,
)
from tests.support.links import confirm_path
from tests.support.smtp import SmtpSink

S = DeliveryStatus
INCIDENT = "554 5.7.1 Account sending paused: unusual activity"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    # One attempt: what a relay incident longer than the retries does, in one step.
    return base_settings.model_copy(update={"delivery_max_attempts": 1,
                                            "admin_token": ADMIN_TOKEN})


def _lose_confirmations(client: TestClient, runtime: Runtime, sink: SmtpSink) -> None:
    """Ana and Ben sign up while the relay refuses everything for its own reasons."""
    sink.handler.reply_override = INCIDENT
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    send_due_now(runtime)
    sink.handler.reply_override = None


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["admin", *args])
    out, err = capsys.readouterr()
    return status, out + err


def _window(clock: ManualClock) -> tuple[str, str]:
    now = clock.now()
    return ((now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat())


def test_a_dry_run_shows_the_lost_confirmations_and_changes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    _lose_confirmations(client, runtime, smtp_sink)
    since, until = _window(clock)
    status, out = _run(capsys, "retry-failed", "--since", since, "--until", until)
    assert status == 0
    assert "2 email(s) failed from" in out
    assert "Would queue 2: 2 as they were" in out
    assert "Run again with --yes" in out
    assert [d.status for d in deliveries(runtime, ANA)] == [S.FAILED]
    assert deliveries(runtime, ANA)[0].last_error == f"relay: SMTP {INCIDENT}"


def test_retrying_sends_the_lost_confirmations_and_their_links_work(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    _lose_confirmations(client, runtime, smtp_sink)
    since, until = _window(clock)
    status, out = _run(capsys, "retry-failed", "--since", since, "--until", until, "--yes")
    assert (status, "Queued 2: 2 as they were" in out) == (0, True)
    clock.set(datetime.now(UTC) + timedelta(seconds=1))  # the command ran on real time
    send_due_now(runtime)
    [to_ana] = smtp_sink.to(ANA)
    assert client.post(confirm_path(to_ana)).status_code == 200
    assert len(smtp_sink.to(BEN)) == 1
    assert partner(runtime, ANA).status.value == "active"


def test_only_what_failed_inside_the_window_is_sent_again(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    _lose_confirmations(client, runtime, smtp_sink)
    clock.advance(timedelta(hours=3))
    with runtime.unit_of_work() as uow:
        plan = recovery.retry_failed(uow, runtime, clock.now() - timedelta(hours=1),
                                     clock.now())
    assert plan.candidates == []
    assert [d.status for d in deliveries(runtime, ANA)] == [S.FAILED]


def test_two_operators_retrying_at_once_queue_each_email_once(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _lose_confirmations(client, runtime, smtp_sink)
    since, until = clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1)
    results: list[int] = []

    def retry() -> None:
        with runtime.unit_of_work() as uow:
            results.append(recovery.retry_failed(uow, runtime, since, until).counts["requeue"])

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 2
    send_due_now(runtime)
    assert (len(smtp_sink.to(ANA)), len(smtp_sink.to(BEN))) == (1, 1)


def test_a_partner_who_confirmed_since_gets_no_second_confirmation(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _lose_confirmations(client, runtime, smtp_sink)
    clock.advance(CONFIRMATION_GAP)
    client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                    partner_first_name=None))
    send_due_now(runtime)  # Ana signed up again, got her link and confirmed
    assert client.post(confirm_path(smtp_sink.to(ANA)[-1])).status_code == 200
    with runtime.unit_of_work() as uow:
        plan = recovery.retry_failed(uow, runtime, clock.now() - timedelta(hours=1),
                                     clock.now() + timedelta(hours=1))
    assert plan.counts == {"requeue": 1, "no_longer_needed": 1}


def test_suppressed_addresses_are_listed_with_the_reason_and_skipped_until_released(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    smtp_sink.handler.refuse[ANA] = "550 mailbox unavailable"  # no enhanced code
    for _ in range(2):  # two refusals in a row, as the relay misjudged the address
        client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                        partner_first_name=None))
        send_due_now(runtime)
        clock.advance(CONFIRMATION_GAP)
    smtp_sink.handler.refuse.clear()
    ana = partner(runtime, ANA)
    assert ana.suppressed_reason == "the relay refused the address 2 times in a row"
    status, out = _run(capsys, "suppressed")
    assert (status, f"partner {ana.id}" in out) == (0, True)
    assert "the relay refused the address 2 times in a row" in out
    since, until = _window(clock)
    assert "because the address is suppressed" in _run(
        capsys, "retry-failed", "--since", since, "--until", until)[1]

    with pytest.raises(SystemExit) as refused:  # a reason is required
        main(["admin", "unsuppress", str(ana.id)])
    assert refused.value.code == 2
    assert _run(capsys, "unsuppress", str(ana.id), "--reason", " ")[0] == 2
    status, out = _run(capsys, "unsuppress", str(ana.id), "--reason", "relay incident")
    assert (status, "may get mail again" in out) == (0, True)
    assert partner(runtime, ANA).suppressed_at is None
    assert partner(runtime, ANA).permanent_failures == 0
    assert "Queued 2" in _run(capsys, "retry-failed", "--since", since, "--until", until,
                              "--yes")[1]


def test_a_released_partner_gets_the_stage_their_suppression_cancelled(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    ana = enrol(client, runtime, smtp_sink)
    with runtime.unit_of_work() as uow:
        service.suppress(uow, runtime, ana.id)
    [stage] = [d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE]
    assert stage.status is S.CANCELLED
    clock.advance(timedelta(days=10))
    with runtime.unit_of_work() as uow:
        shown = recovery.unsuppress(uow, runtime, ana.id, "asked for by the partner")
    assert [(w.stage, w.status) for w in shown.waiting] == [(stage.key, "scheduled")]
    [waiting] = [d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE]
    assert clock.now() < waiting.due_at <= clock.now() + timedelta(days=1)


def test_a_failed_stage_comes_back_as_a_copy_of_that_stage(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    clock.advance(timedelta(days=1))
    smtp_sink.handler.reply_override = INCIDENT
    send_due_now(runtime)
    smtp_sink.handler.reply_override = None
    with runtime.unit_of_work() as uow:
        plan = recovery.retry_failed(uow, runtime, clock.now() - timedelta(hours=1),
                                     clock.now() + timedelta(hours=1))
    assert plan.counts == {"copy": 1}
    send_due_now(runtime)
    kinds = [(d.kind, d.status) for d in deliveries(runtime, ANA)]
    assert (DeliveryKind.RESEND, S.SENT) in kinds


def test_the_admin_api_lists_releases_and_retries(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _lose_confirmations(client, runtime, smtp_sink)
    window = {"since": (clock.now() - timedelta(hours=1)).isoformat(),
              "until": (clock.now() + timedelta(hours=1)).isoformat()}
    dry = client.post("/api/v1/admin/retry-failed", json=window, headers=BEARER)
    assert (dry.status_code, dry.json()["dry_run"], dry.json()["counts"]) == \
        (200, True, {"requeue": 2})
    done = client.post("/api/v1/admin/retry-failed", json={**window, "dry_run": False},
                       headers=BEARER)
    assert done.json()["counts"] == {"requeue": 2}
    backwards = client.post("/api/v1/admin/retry-failed", headers=BEARER, json={
        "since": window["until"], "until": window["since"]})
    assert (backwards.status_code, backwards.json()["fields"]) == \
        (422, {"until": "must be later than since"})
    ana = partner(runtime, ANA)
    with runtime.unit_of_work() as uow:
        service.suppress(uow, runtime, ana.id)
    listed = client.get("/api/v1/admin/suppressions", headers=BEARER).json()
    assert listed == [{"partner_id": ana.id, "status": "pending",
                       "suppressed_at": listed[0]["suppressed_at"],
                       "reason": "suppressed by an operator"}]
    no_reason = client.post(f"/api/v1/admin/partners/{ana.id}/unsuppress", json={},
                            headers=BEARER)
    assert no_reason.status_code == 422
    released = client.post(f"/api/v1/admin/partners/{ana.id}/unsuppress",
                           json={"reason": "relay incident"}, headers=BEARER)
    assert (released.status_code, released.json()["suppressed_at"]) == (200, None)
