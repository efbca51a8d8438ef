"""The admin API: find a partner, pause, resume, resend a stage, suppress, export, erase,
and the funnel; each action's happy path, its refusals (which change nothing), and no
address or reflection text in what it answers or logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import DeliveryKind, DeliveryStatus, PartnerStatus
from reconnect.runtime import Runtime
from reconnect.sending.service import Outcome, deliver
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BEARER, add_partner
from tests.support.flows import (
    ANA,
    deliveries,
    first_stage_email,
    partner,
    row_counts,
    send_due_now,
)
from tests.support.links import preferences_path, reflect_paths, unsubscribe_path
from tests.support.smtp import Received, SmtpSink

ADMIN = "/api/v1/admin"
SECRET = "a sentence only Ana should ever see"
K, S = DeliveryKind, DeliveryStatus


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN})


@pytest.fixture
def welcomed(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
             clock: ManualClock) -> Received:
    """Ana is enrolled, got her first stage email and answered a question with a note."""
    message = first_stage_email(client, runtime, smtp_sink, clock)
    hope = next(p for p in reflect_paths(message) if "/hope?" in p).split("?")[0]
    assert client.post(hope, data={"answer": "not-sure", "note": SECRET}).status_code == 200
    return message


def _id(runtime: Runtime) -> int:
    return partner(runtime, ANA).id


# Finding ------------------------------------------------------------------------------

def test_find_shows_where_a_partner_is_without_their_address_or_words(
        client: TestClient, runtime: Runtime, welcomed: Received) -> None:
    found = client.get(f"{ADMIN}/partners", params={"email": "  Ana@EXAMPLE.org "},
                       headers=BEARER)
    assert found.status_code == 200
    body = found.json()
    version, program = runtime.programs.current("main")
    assert body["id"] == _id(runtime)
    assert body["status"] == "active"
    assert body["program"] == {"slug": "main", "version": version,
                               "content_hash": program.content_hash}
    assert body["confirmed_at"] is not None
    assert body["paused_at"] is body["suppressed_at"] is body["unsubscribed_at"] is None
    assert [(e["kind"], e["stage"]) for e in body["sent"]] == [("confirmation", None),
                                                              ("stage", "welcome")]
    assert all(e["sent_at"] for e in body["sent"])
    assert [(w["kind"], w["stage"], w["status"]) for w in body["waiting"]] == \
        [("stage", "acknowledge", "scheduled")]
    assert body["reflections"] == 1
    assert SECRET not in found.text
    assert ANA not in found.text.lower()
    assert found.headers["Cache-Control"] == "no-store"


def test_find_refuses_what_is_not_an_address_and_says_when_nobody_has_it(
        client: TestClient, runtime: Runtime) -> None:
    missing = client.get(f"{ADMIN}/partners", params={"email": "nobody@example.org"},
                         headers=BEARER)
    assert missing.status_code == 404
    assert missing.json()["error"] == "unknown_partner"
    for params in ({"email": "not an address"}, {}):
        invalid = client.get(f"{ADMIN}/partners", params=params, headers=BEARER)
        assert invalid.status_code == 422
        assert list(invalid.json()["fields"]) == ["email"]


# Pause and resume ---------------------------------------------------------------------

def test_pause_holds_the_waiting_stage_and_resume_releases_it(
        client: TestClient, runtime: Runtime, welcomed: Received) -> None:
    pid = _id(runtime)
    paused = client.post(f"{ADMIN}/partners/{pid}/pause", headers=BEARER)
    assert paused.status_code == 200
    assert paused.json()["paused_at"] is not None
    assert [w["status"] for w in paused.json()["waiting"]] == ["held"]
    resumed = client.post(f"{ADMIN}/partners/{pid}/resume", headers=BEARER)
    assert resumed.status_code == 200
    assert resumed.json()["paused_at"] is None
    assert [w["status"] for w in resumed.json()["waiting"]] == ["scheduled"]


def test_pause_and_resume_refuse_unknown_and_pending_partners_and_change_nothing(
        client: TestClient, runtime: Runtime) -> None:
    pending = add_partner(runtime, "pat@example.org", PartnerStatus.PENDING)
    before = row_counts(runtime)
    for action in ("pause", "resume"):
        unknown = client.post(f"{ADMIN}/partners/999/{action}", headers=BEARER)
        assert unknown.status_code == 404
        assert unknown.json()["error"] == "unknown_partner"
        refused = client.post(f"{ADMIN}/partners/{pending}/{action}", headers=BEARER)
        assert refused.status_code == 409
        assert refused.json() | {"message": ""} == {
            "error": "partner_not_active", "message": "", "partner_status": "pending"}
    assert client.post(f"{ADMIN}/partners/not-a-number/pause", headers=BEARER) \
        .json()["fields"] == {"partner_id": "Please give a whole number."}
    assert row_counts(runtime) == before
    assert partner(runtime, "pat@example.org").paused_at is None


# Resending ----------------------------------------------------------------------------

def test_a_resend_delivers_a_second_copy_through_the_real_send_path(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        welcomed: Received) -> None:
    pid = _id(runtime)
    resent = client.post(f"{ADMIN}/partners/{pid}/resend", json={"stage": "welcome"},
                         headers=BEARER)
    assert resent.status_code == 202
    assert resent.json() | {"delivery_id": 0, "due_at": ""} == {
        "delivery_id": 0, "key": "_resend-welcome-1", "stage": "welcome",
        "status": "scheduled", "due_at": ""}
    assert list(send_due_now(runtime).values()) == [Outcome.SENT]
    copy = smtp_sink.to(ANA)[-1]
    assert copy is not welcomed
    assert copy.subject == welcomed.subject
    assert copy.message["Message-ID"] != welcomed.message["Message-ID"]
    assert client.get(reflect_paths(copy)[0]).status_code == 200  # its links work
    # The program's own schedule is untouched: no extra stage was planned.
    assert [(d.kind, d.key, d.status) for d in deliveries(runtime, ANA)
            if d.kind is not K.CONFIRMATION] == [
        (K.STAGE, "welcome", S.SENT), (K.STAGE, "acknowledge", S.SCHEDULED),
        (K.RESEND, "_resend-welcome-1", S.SENT)]
    again = client.post(f"{ADMIN}/partners/{pid}/resend", json={"stage": "welcome"},
                        headers=BEARER)
    assert again.json()["key"] == "_resend-welcome-2"
    shown = client.get(f"{ADMIN}/partners", params={"email": ANA}, headers=BEARER).json()
    assert ("resend", "welcome") in [(e["kind"], e["stage"]) for e in shown["sent"]]
    assert ("resend", "welcome", "scheduled") in \
        [(w["kind"], w["stage"], w["status"]) for w in shown["waiting"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"stage": "no-such-stage"}, "stage"), ({"stage": "Welcome!"}, "stage"),
    ({}, "stage"), ({"stage": "welcome", "extra": 1}, "extra")])
def test_a_resend_of_a_stage_that_does_not_exist_is_invalid(
        client: TestClient, runtime: Runtime, welcomed: Received, body: dict[str, object],
        field: str) -> None:
    before = row_counts(runtime)
    refused = client.post(f"{ADMIN}/partners/{_id(runtime)}/resend", json=body,
                          headers=BEARER)
    assert refused.status_code == 422
    assert list(refused.json()["fields"]) == [field]
    assert row_counts(runtime) == before


def test_a_resend_of_a_stage_not_yet_reached_is_refused(
        client: TestClient, runtime: Runtime, welcomed: Received) -> None:
    before = row_counts(runtime)
    refused = client.post(f"{ADMIN}/partners/{_id(runtime)}/resend",
                          json={"stage": "acknowledge"}, headers=BEARER)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "stage_not_reached"
    assert row_counts(runtime) == before


@pytest.mark.parametrize("how", ["unsubscribed", "suppressed", "paused"])
def test_a_resend_to_someone_who_left_or_paused_is_refused(
        client: TestClient, runtime: Runtime, welcomed: Received, how: str) -> None:
    pid = _id(runtime)
    if how == "unsubscribed":
        assert client.post(unsubscribe_path(welcomed)).status_code == 200
    else:
        action = "suppress" if how == "suppressed" else "pause"
        assert client.post(f"{ADMIN}/partners/{pid}/{action}", headers=BEARER) \
            .status_code == 200
    before = row_counts(runtime)
    refused = client.post(f"{ADMIN}/partners/{pid}/resend", json={"stage": "welcome"},
                          headers=BEARER)
    assert refused.status_code == 409
    assert refused.json()["error"] == "resend_refused"
    assert refused.json()["reason"] == {"unsubscribed": "partner_unsubscribed",
                                        "suppressed": "suppressed", "paused": "paused"}[how]
    assert row_counts(runtime) == before
    assert client.post(f"{ADMIN}/partners/999/resend", json={"stage": "welcome"},
                       headers=BEARER).status_code == 404


@pytest.mark.parametrize("how", ["unsubscribe", "pause"])
def test_a_resend_is_dropped_if_the_partner_leaves_or_pauses_before_it_goes(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, welcomed: Received,
        how: str) -> None:
    client.post(f"{ADMIN}/partners/{_id(runtime)}/resend", json={"stage": "welcome"},
                headers=BEARER)
    with runtime.unit_of_work() as uow:  # a dispatcher has already claimed it
        claimed = DeliveryRepository(uow.session).claim_due(runtime.clock.now(), 10)
    if how == "unsubscribe":
        assert client.post(unsubscribe_path(welcomed)).status_code == 200
    else:
        client.post(f"{ADMIN}/partners/{_id(runtime)}/pause", headers=BEARER)
    sent_before = len(smtp_sink.messages)
    assert list(deliver(runtime, claimed).values()) == [Outcome.CANCELLED]
    assert len(smtp_sink.messages) == sent_before
    assert deliveries(runtime, ANA)[-1].status is S.CANCELLED


# Suppressing --------------------------------------------------------------------------

def test_suppressing_cancels_what_waits_and_nothing_more_is_sent(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        welcomed: Received) -> None:
    pid = _id(runtime)
    first = client.post(f"{ADMIN}/partners/{pid}/suppress", headers=BEARER)
    assert first.status_code == 200
    assert first.json()["suppressed_at"] is not None
    assert first.json()["waiting"] == []
    clock.advance(timedelta(hours=1))
    second = client.post(f"{ADMIN}/partners/{pid}/suppress", headers=BEARER)
    assert second.json()["suppressed_at"] == first.json()["suppressed_at"]
    clock.advance(timedelta(days=30))
    sent_before = len(smtp_sink.messages)
    assert send_due_now(runtime) == {}
    assert len(smtp_sink.messages) == sent_before
    assert client.post(f"{ADMIN}/partners/999/suppress", headers=BEARER).status_code == 404


# Export and erase ---------------------------------------------------------------------

def test_the_export_is_the_document_the_partner_downloads_themselves(
        client: TestClient, runtime: Runtime, welcomed: Received) -> None:
    exported = client.get(f"{ADMIN}/partners/{_id(runtime)}/export", headers=BEARER)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert exported.headers["Cache-Control"] == "no-store"
    own = client.get(f"{preferences_path(welcomed)}/export")
    assert exported.json() == own.json()
    assert exported.json()["reflections"][0]["note"] == SECRET
    assert client.get(f"{ADMIN}/partners/999/export", headers=BEARER).status_code == 404


def test_erasing_removes_everything_and_is_idempotent(
        client: TestClient, runtime: Runtime, welcomed: Received) -> None:
    pid = _id(runtime)
    assert row_counts(runtime)["reflections"] == 1
    for _ in range(2):
        erased = client.delete(f"{ADMIN}/partners/{pid}", headers=BEARER)
        assert erased.status_code == 204
        assert erased.content == b""
    assert set(row_counts(runtime).values()) == {0}
    assert client.delete(f"{ADMIN}/partners/999", headers=BEARER).status_code == 204
    assert client.get(f"{ADMIN}/partners", params={"email": ANA}, headers=BEARER) \
        .status_code == 404


# Every action is logged, by id --------------------------------------------------------

def test_every_action_is_logged_with_the_partner_id_and_never_the_address(
        client: TestClient, runtime: Runtime, welcomed: Received,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    pid = _id(runtime)
    client.get(f"{ADMIN}/partners", params={"email": ANA}, headers=BEARER)
    for action in ("pause", "resume"):
        client.post(f"{ADMIN}/partners/{pid}/{action}", headers=BEARER)
    client.post(f"{ADMIN}/partners/{pid}/resend", json={"stage": "welcome"}, headers=BEARER)
    client.get(f"{ADMIN}/partners/{pid}/export", headers=BEARER)
    client.post(f"{ADMIN}/partners/{pid}/suppress", headers=BEARER)
    client.delete(f"{ADMIN}/partners/{pid}", headers=BEARER)
    actions = [(r.__dict__["action"], r.__dict__["partner"]) for r in caplog.records
               if r.getMessage() == "admin action"]
    assert actions == [(a, pid) for a in ("find", "pause", "resume", "resend", "export",
                                          "suppress", "erase")]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert ANA not in logged.lower()
    assert SECRET not in logged


# The funnel ---------------------------------------------------------------------------

def _known_dataset(runtime: Runtime) -> None:
    """Five partners in the main program (one sent every stage), one in the check-in."""
    add_partner(runtime, "p1@example.org", PartnerStatus.PENDING)
    add_partner(runtime, "p2@example.org", PartnerStatus.ACTIVE, sent=1,
                ratings={"welcome": "2"},
                # a resend and a nudge of step 2 are not the program sending step 2
                extra=((K.RESEND, "_resend-acknowledge-1", 1),
                       (K.NUDGE, "_nudge-acknowledge", 1)))
    add_partner(runtime, "p3@example.org", PartnerStatus.ACTIVE, sent=2,
                ratings={"welcome": "3", "acknowledge": "4"})
    every_stage = len(runtime.programs.current("main")[1].stages)
    add_partner(runtime, "p4@example.org", PartnerStatus.COMPLETED, sent=every_stage,
                ratings={"welcome": "5", "acknowledge": "2"})
    add_partner(runtime, "p5@example.org", PartnerStatus.UNSUBSCRIBED, sent=1)
    add_partner(runtime, "p6@example.org", PartnerStatus.ACTIVE, sent=1, slug="check-in",
                ratings={"welcome": "1"})


def test_the_funnel_counts_partners_at_each_step(client: TestClient,
                                                 runtime: Runtime) -> None:
    _known_dataset(runtime)
    response = client.get(f"{ADMIN}/stats/funnel", params={"program": "main"},
                          headers=BEARER)
    assert response.status_code == 200
    [main] = response.json()["programs"]
    _, program = runtime.programs.current("main")
    assert [(s["step"], s["stage"], s["partners"]) for s in main["funnel"]] == [
        ("signed_up", None, 5), ("confirmed", None, 4), ("stage", "welcome", 4),
        ("stage", "acknowledge", 2),
        *[("stage", s.key, 1) for s in program.stages[2:]], ("completed", None, 1)]
    assert (main["now_paused"], main["unsubscribed"], main["suppressed"]) == (0, 1, 0)
    assert "a private note" not in response.text


def test_averages_over_fewer_than_three_answers_are_hidden(client: TestClient,
                                                           runtime: Runtime) -> None:
    _known_dataset(runtime)
    report = client.get(f"{ADMIN}/stats/funnel", headers=BEARER).json()
    assert report["min_answers"] == 3
    assert "fewer than 3 answers are hidden" in report["privacy"]
    main, check_in = report["programs"]
    assert (main["program"], check_in["program"]) == ("main", "check-in")
    ratings = {(r["stage"], r["prompt"]): (r["answers"], r["average"])
               for r in main["ratings"]}
    assert ratings[("welcome", "connection")] == (3, 3.33)
    assert ratings[("acknowledge", "connection")] == (2, None)
    assert ratings[("root-cause", "connection")] == (0, None)
    assert [r["step"] for r in main["ratings"]] == sorted(r["step"] for r in main["ratings"])
    assert check_in["funnel"][0]["partners"] == 1
    assert all(r["average"] is None for r in check_in["ratings"])


def test_the_funnel_of_an_unknown_program_is_invalid(client: TestClient) -> None:
    refused = client.get(f"{ADMIN}/stats/funnel", params={"program": "nope"},
                         headers=BEARER)
    assert refused.status_code == 422
    assert list(refused.json()["fields"]) == ["program"]


def test_the_queue_reports_every_state_and_the_lag(client: TestClient, runtime: Runtime,
                                                   welcomed: Received) -> None:
    queue = client.get(f"{ADMIN}/queue", headers=BEARER).json()
    assert set(queue["counts"]) == {s.value for s in DeliveryStatus}
    assert queue["counts"]["sent"] == 2
    assert queue["counts"]["scheduled"] == 1
    assert queue["lag_seconds"] == 0.0
