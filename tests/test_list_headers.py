"""What a delivered email tells mail software about itself: a program's weekly emails and
reminders are one list (List-Id) a reader can filter, confirmations are not, and no
email invites out-of-office replies."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.reflections.nudges import NUDGE_AFTER
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    couple_with_first_stage,
    first_stage_email,
    send_due_now,
    signup_body,
)
from tests.support.links import confirm_path, reflect_paths
from tests.support.smtp import SmtpSink

MAIN_LIST = "Reconnect <main.reconnect.test>"


def test_a_stage_email_belongs_to_its_programs_list(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    assert message.message["List-Id"] == MAIN_LIST
    assert message.message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message.message["List-Unsubscribe"] is not None


def test_a_confirmation_is_no_list_email_but_still_refuses_auto_replies(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    send_due_now(runtime)
    for confirmation in smtp_sink.messages:
        assert confirmation.message["List-Id"] is None
        assert confirmation.message["X-Auto-Response-Suppress"] == "OOF, AutoReply"


def test_each_program_is_a_list_of_its_own(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    main = first_stage_email(client, runtime, smtp_sink, clock)
    assert client.post("/api/v1/signups", json=signup_body(
        email="cy@example.org", partner_email=None, partner_first_name=None,
        program="check-in")).status_code == 202
    send_due_now(runtime)
    confirmation = smtp_sink.to("cy@example.org")[-1]
    assert client.post(confirm_path(confirmation)).status_code == 200
    clock.advance(timedelta(days=1))
    send_due_now(runtime)
    check_in = smtp_sink.to("cy@example.org")[-1]
    assert check_in.message["List-Id"] == "Reconnect <check-in.reconnect.test>"
    assert main.message["List-Id"] != check_in.message["List-Id"]


def test_a_reminder_is_in_the_same_list_as_the_stage_it_is_about(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    welcome = smtp_sink.to(ANA)[-1]
    shared = next(p for p in reflect_paths(welcome) if "/connection?" in p).split("?")[0]
    assert client.post(shared, data={"answer": "4"}).status_code == 200
    clock.advance(NUDGE_AFTER + timedelta(days=1))
    send_due_now(runtime)
    [reminder] = [m for m in smtp_sink.to(BEN) if m.subject == "A small note from Reconnect"]
    assert reminder.message["List-Id"] == MAIN_LIST
