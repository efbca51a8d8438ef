"""The clock jumps five weeks forward under a couple in the middle of the program (the
workers were down that long, or the development clock was fast-forwarded): one missed
stage goes at once, the rest follow one per day at each partner's send hour, never in a
burst (reconnect/deliveries/schedule.py).

Every process here runs on the shared development clock (RECONNECT_TIME_TRAVEL): system
time plus an offset in the database, which `timetravel.advance` moves for all of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from reconnect.deliveries.schedule import local_send_time, next_send_time, stage_due_at
from reconnect.dev import timetravel
from reconnect.models import Delivery, DeliveryKind
from reconnect.program.model import Program
from reconnect.runtime import Runtime, build_runtime
from reconnect.sending.service import dispatch_due
from reconnect.settings import Settings
from tasks.celery_app import CelerySender, make_celery
from tests.support.delivery_checks import S
from tests.support.flows import ANA, BEN, deliveries, in_flight, partner, signup_body
from tests.support.links import confirm_path
from tests.support.processes import Workers
from tests.support.smtp import Received, SmtpSink
from tests.support.wait import wait_until

pytestmark = pytest.mark.timeout(60)

JUMP = timedelta(weeks=5)
# Ana keeps the zone and hour she signed up with; Ben picks his own as he confirms.
HOURS = {ANA: ("America/New_York", 7), BEN: ("Europe/Berlin", 20)}
# Far more steps than catching up takes; a loop that does not end is a failure.
MAX_STEPS = 16


@pytest.fixture
def travelling(runtime: Runtime, settings: Settings) -> Iterator[Runtime]:
    """This process on the shared clock, its jobs going to the worker processes."""
    shared = settings.model_copy(update={"time_travel": True})
    app = make_celery(shared)
    rt = build_runtime(shared, sender=CelerySender(app))
    try:
        yield rt
    finally:
        rt.close()
        app.close()


@pytest.fixture
def api(travelling: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(travelling), follow_redirects=False) as client:
        yield client


def _send_due(rt: Runtime, sink: SmtpSink, expect: int) -> list[Received]:
    """Dispatches as a beat tick would; returns the ``expect`` messages the worker sent,
    once it has recorded them."""
    before = len(sink.messages)
    dispatch_due(rt)
    sink.wait_count(before + expect, timeout=20)
    wait_until(lambda: not in_flight(rt), timeout=20)
    return sink.messages[before:]


def _jump(rt: Runtime, by: timedelta | None = None) -> None:
    """Moves every process's clock forward: by ``by``, or to the next email that is due.

    No pause is needed even though each process caches the offset for a second: every
    worker job reads the clock afresh when it starts (tasks/worker.py)."""
    if by is None:
        timetravel.advance_to_next_due(rt)
    else:
        timetravel.advance(rt, by.total_seconds())


def _stage_rows(rt: Runtime, email: str) -> dict[str, Delivery]:
    return {d.key: d for d in deliveries(rt, email) if d.kind is DeliveryKind.STAGE}


def _planned(rt: Runtime, email: str, stage_day: int) -> datetime:
    """When a stage is planned: the program start date plus its day, at the send hour."""
    start = partner(rt, email).program_start_date
    assert start is not None
    zone, hour = HOURS[email]
    return local_send_time(start + timedelta(days=stage_day), hour, zone)


def _program(rt: Runtime) -> Program:
    _, program = rt.programs.current()
    return program


def _couple_mid_program(api: TestClient, rt: Runtime, sink: SmtpSink) -> None:
    """Ana and Ben sign up, confirm, and each receives the first stage."""
    assert api.post("/api/v1/signups", json=signup_body()).status_code == 202
    confirmations = {m.to: m for m in _send_due(rt, sink, 2)}
    assert api.post(confirm_path(confirmations[ANA])).status_code == 200
    zone, hour = HOURS[BEN]
    assert api.post(confirm_path(confirmations[BEN]),
                    data={"timezone": zone, "send_hour": str(hour)}).status_code == 200
    for _ in HOURS:  # each partner's first stage at their own next send hour
        _jump(rt)
        _send_due(rt, sink, 1)
    first = _program(rt).stages[0].key
    assert all(_stage_rows(rt, email)[first].status is S.SENT for email in HOURS)


def test_after_a_five_week_jump_one_missed_stage_goes_at_once_and_the_next_at_the_send_hour(
        api: TestClient, travelling: Runtime, smtp_sink: SmtpSink, workers: Workers) -> None:
    rt = travelling
    workers.start(rt.settings)
    _couple_mid_program(api, rt, smtp_sink)
    program = _program(rt)
    missed, following = program.stages[1], program.stages[2]

    _jump(rt, JUMP)
    jumped = rt.clock.now()
    caught_up = _send_due(rt, smtp_sink, 2)

    assert sorted(m.to for m in caught_up) == sorted(HOURS)
    assert {m.subject for m in caught_up} == {missed.subject}
    assert dispatch_due(rt) == []  # nothing else is due: no burst
    for email, (zone, hour) in HOURS.items():
        rows = _stage_rows(rt, email)
        sent_at = rows[missed.key].sent_at
        assert sent_at is not None
        assert sent_at >= jumped  # the worker sent it on the jumped clock
        start = partner(rt, email).program_start_date
        assert start is not None
        # The following stage's planned day has passed too, so it waits for the next
        # send hour after now (the engine's now lies between the jump and the send):
        # tomorrow's, or today's if the hour is still ahead.
        assert _planned(rt, email, following.day) < jumped
        due = rows[following.key].due_at
        assert rows[following.key].status is S.SCHEDULED
        assert due == stage_due_at(start, following.day, hour, zone, jumped) \
            == stage_due_at(start, following.day, hour, zone, sent_at)
        assert due == next_send_time(jumped, hour, zone)
        assert sent_at < due <= jumped + timedelta(hours=25)  # a DST night has 25
        local = due.astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (hour, 0)
    # A confirmation, the first stage and one missed stage each; nothing else.
    assert len(smtp_sink.messages) == 3 * len(HOURS)


def test_after_a_five_week_jump_missed_stages_arrive_one_per_day_until_caught_up(
        api: TestClient, travelling: Runtime, smtp_sink: SmtpSink, workers: Workers) -> None:
    rt = travelling
    workers.start(rt.settings)
    _couple_mid_program(api, rt, smtp_sink)
    program = _program(rt)
    _jump(rt, JUMP)
    _send_due(rt, smtp_sink, 2)

    # Each step moves the clock to the next due email: exactly one arrives each time.
    caught_up: set[str] = set()
    for _ in range(MAX_STEPS):
        if caught_up == set(HOURS):
            break
        _jump(rt)
        [message] = _send_due(rt, smtp_sink, 1)
        assert dispatch_due(rt) == []
        email = message.to
        sent = [d for d in _stage_rows(rt, email).values() if d.status is S.SENT]
        latest = max(sent, key=lambda d: d.position)
        assert message.subject == program.stages[latest.position].subject
        waiting = program.stage_at(latest.position + 1)
        assert waiting is not None
        due = _stage_rows(rt, email)[waiting.key].due_at
        if due == _planned(rt, email, waiting.day):
            caught_up.add(email)  # back on the planned days
        else:
            zone, hour = HOURS[email]
            assert latest.sent_at is not None
            sent_day = latest.sent_at.astimezone(ZoneInfo(zone)).date()
            local_due = due.astimezone(ZoneInfo(zone))
            assert local_due.date() == sent_day + timedelta(days=1)  # one per day
            assert (local_due.hour, local_due.minute) == (hour, 0)
    assert caught_up == set(HOURS)

    # From the jump on, each partner got one stage per local day, in program order.
    for email, (zone, _) in HOURS.items():
        sent = sorted((d for d in _stage_rows(rt, email).values() if d.status is S.SENT),
                      key=lambda d: d.position)
        assert [d.key for d in sent] == [s.key for s in program.stages[:len(sent)]]
        days = [d.sent_at.astimezone(ZoneInfo(zone)).date() for d in sent[1:]
                if d.sent_at is not None]
        # The first went at once, at the jump; the next at the next send hour, which is
        # later that same day when the jump landed before it (whatever the time of day
        # the test runs); every one after, one local day apart.
        assert days[1] - days[0] in (timedelta(0), timedelta(days=1))
        assert days[1:] == [days[1] + timedelta(days=n) for n in range(len(days) - 1)]
        assert len(days) >= 4  # the jump skipped over at least four stages
