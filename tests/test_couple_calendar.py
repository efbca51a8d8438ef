"""One calendar per couple: the couple's program weeks count from the first
confirmation's welcome date, and each partner gets every stage within the same program
week, at their own hour in their own zone (docs/delivery.md, "One calendar per couple").

Ana (New York, 07:00) confirms on Tuesday 20 October 2026; Ben (Berlin, 20:00) joins
four days later. Berlin leaves summer time on 25 October, New York on 1 November.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.calendar import pick_up, week_ends, week_of
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import Couple, DeliveryKind, DeliveryStatus
from reconnect.partners.preference_links import preferences_token
from reconnect.runtime import Runtime
from reconnect.sending.service import dispatch_due
from tests.support.flows import (
    ANA,
    BEN,
    deliver_due,
    deliveries,
    enrol,
    in_flight,
    partner,
    send_due_now,
    signup_body,
)
from tests.support.links import confirm_path, reflect_paths
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

ZONES = {ANA: "America/New_York", BEN: "Europe/Berlin"}
HOURS = {ANA: 7, BEN: 20}


def _next_due(rt: Runtime, clock: ManualClock) -> bool:
    with rt.read_session() as session:
        due = DeliveryRepository(session).earliest_scheduled()
    if due is None:
        return False
    clock.set(max(due, clock.now()))
    return True


def welcome_sent(rt: Runtime) -> datetime:
    [row] = [d for d in deliveries(rt, ANA)
             if d.kind is DeliveryKind.STAGE and d.status is DeliveryStatus.SENT]
    assert row.sent_at is not None
    return row.sent_at


def _couple_started_on(rt: Runtime) -> date | None:
    with rt.read_session() as session:
        couple = session.get(Couple, partner(rt, ANA).couple_id)
        assert couple is not None
        return couple.started_on


def _ana_confirmed_ben_invited(client: TestClient, rt: Runtime, sink: SmtpSink) -> SmtpSink:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    confirmations = {m.to: m for m in deliver_due(rt, sink, 2, since=0)}
    assert client.post(confirm_path(confirmations[ANA])).status_code == 200
    sink.ben_confirmation = confirmations[BEN]  # type: ignore[attr-defined]
    return sink


@pytest.mark.usefixtures("worker")
def test_an_invitee_four_days_late_gets_every_later_stage_in_the_couples_week(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _, program = runtime.programs.current()
    _ana_confirmed_ben_invited(client, runtime, smtp_sink)
    joined = clock.now() + timedelta(days=4)
    assert _next_due(runtime, clock)
    [welcome] = deliver_due(runtime, smtp_sink, 1)
    assert (welcome.to, welcome.subject) == (ANA, program.stages[0].subject)
    clock.set(joined)
    ben_link = smtp_sink.ben_confirmation  # type: ignore[attr-defined]
    assert client.post(confirm_path(ben_link), data={"timezone": ZONES[BEN],
                                                     "send_hour": "20"}).status_code == 200
    started_on = _couple_started_on(runtime)
    assert started_on == date(2026, 10, 20)
    assert partner(runtime, BEN).program_start_date == started_on
    assert (partner(runtime, ANA).role, partner(runtime, BEN).role) == ("inviter", "invitee")

    stage_by_subject = {s.subject: s for s in program.stages}
    got: dict[str, list[tuple[str, datetime]]] = {ANA: [(program.stages[0].key,
                                                         welcome_sent(runtime))], BEN: []}
    nudges: dict[str, list[datetime]] = {ANA: [], BEN: []}
    for _ in range(200):
        if not _next_due(runtime, clock):
            break
        before = len(smtp_sink.messages)
        dispatch_due(runtime)
        wait_until(lambda: not in_flight(runtime))
        for message in smtp_sink.messages[before:]:
            now = runtime.clock.now()
            local = now.astimezone(ZoneInfo(ZONES[message.to]))
            assert (local.hour, local.minute) == (HOURS[message.to], 0)
            stage = stage_by_subject.get(message.subject)
            if stage is None:
                nudges[message.to].append(now)
                continue
            got[message.to].append((stage.key, now))
            if message.to == ANA:
                # Ana answers each week's first question: Ben may get one reminder.
                path, _, query = reflect_paths(message)[0].partition("?")
                answer = query.removeprefix("answer=")
                assert client.post(path, data={"answer": answer}).status_code == 200

    keys = [s.key for s in program.stages]
    assert [k for k, _ in got[ANA]] == keys
    assert [k for k, _ in got[BEN]] == keys  # four days late: nothing skipped
    assert started_on is not None
    for email in (ANA, BEN):
        for (key, sent_at) in got[email][1:]:
            stage = program.stage(key)
            assert stage is not None
            local_day = sent_at.astimezone(ZoneInfo(ZONES[email])).date()
            week_starts = started_on + timedelta(days=7 * week_of(stage))
            assert week_starts <= local_day < week_ends(started_on, stage), (email, key)
    # Ben's welcome came at his next send hour after confirming, days after Ana's.
    assert got[BEN][0][1] == datetime(2026, 10, 24, 18, tzinfo=ZoneInfo("UTC"))
    # No reminder before the stage it is about, and at most one per stage.
    for row in deliveries(runtime, BEN):
        if row.kind is DeliveryKind.NUDGE and row.status is DeliveryStatus.SENT:
            stage_key = row.key.removeprefix("_nudge-")
            received = dict(got[BEN])[stage_key]
            assert row.sent_at is not None
            assert row.sent_at > received
    assert nudges[ANA] == []
    ids = Counter(str(m.message["Message-ID"]) for m in smtp_sink.messages)
    assert all(count == 1 for count in ids.values())


def test_the_couples_calendar_starts_once_with_the_first_confirmation(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    send_due_now(runtime)
    links = {m.to: confirm_path(m) for m in smtp_sink.messages}
    assert client.post(links[BEN]).status_code == 200  # the invited one confirms first
    clock.advance(timedelta(days=2))
    assert client.post(links[ANA]).status_code == 200
    assert _couple_started_on(runtime) == date(2026, 10, 20)
    assert partner(runtime, ANA).program_start_date == date(2026, 10, 20)


def test_a_partner_joining_after_a_week_ended_picks_up_the_couples_current_week(
        runtime: Runtime) -> None:
    _, program = runtime.programs.current()
    start = date(2026, 10, 20)
    # Ben's welcome goes on day 16 (week 2): week 1 has ended, week 2 is under way.
    now = datetime(2026, 11, 5, 19, tzinfo=ZoneInfo("UTC"))
    pickup = pick_up(program, 1, start, 20, "Europe/Berlin", now, frozenset())
    assert pickup is not None
    assert week_of(pickup.stage) == 2
    assert pickup.due_at == datetime(2026, 11, 5, 19, tzinfo=ZoneInfo("UTC")) \
        + timedelta(days=1)


def test_after_every_week_has_ended_the_closing_step_still_comes(runtime: Runtime) -> None:
    _, program = runtime.programs.current()
    now = datetime(2027, 6, 1, 12, tzinfo=ZoneInfo("UTC"))
    pickup = pick_up(program, 1, date(2026, 10, 20), 7, "America/New_York", now, frozenset())
    assert pickup is not None
    assert pickup.stage.key == program.stages[-1].key


def test_a_partner_invited_later_is_not_sent_the_weeks_that_passed(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _, program = runtime.programs.current()
    enrol(client, runtime, smtp_sink)  # Ana starts alone
    clock.advance(timedelta(days=15))  # week 2 of her program
    send_due_now(runtime)
    token = preferences_token(runtime, partner(runtime, ANA))
    client.post(f"/preferences/{token}", data={"action": "invite", "partner_email": BEN,
                                                "partner_first_name": "Ben"})
    send_due_now(runtime)
    assert client.post(confirm_path(smtp_sink.to(BEN)[-1])).status_code == 200
    clock.advance(timedelta(days=1))
    send_due_now(runtime)  # Ben's welcome
    keys = [d.key for d in deliveries(runtime, BEN) if d.kind is DeliveryKind.STAGE]
    assert keys == [program.stages[0].key, program.stages[2].key]  # week 1 skipped
    journey = client.get(f"/journey/{preferences_token(runtime, partner(runtime, BEN))}")
    assert "it was not sent to you" in journey.text
