"""Pausing, resuming, quiet days and send time: a partner's own choices about their mail.

Ana (New York, 07:00) confirms on Tuesday 20 October 2026 and gets the welcome at once;
the next stage, "acknowledge" (day 7), then waits for Tuesday 27 October, 11:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DELIVER
from reconnect.models import Delivery, DeliveryStatus, PartnerStatus
from reconnect.partners import preferences
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    deliver_due,
    deliveries,
    in_flight,
    partner,
    sign_up_and_confirm,
    signup_body,
)
from tests.support.links import unsubscribe_path
from tests.support.smtp import Received, SmtpSink
from tests.support.wait import wait_until

pytestmark = pytest.mark.usefixtures("worker")

S = DeliveryStatus
ACKNOWLEDGE_DUE = datetime(2026, 10, 27, 11, tzinfo=UTC)


def _welcomed(client: TestClient, runtime: Runtime, sink: SmtpSink,
              clock: ManualClock) -> Received:
    sign_up_and_confirm(client, runtime, sink, partner_email=None, partner_first_name=None)
    clock.advance(timedelta(days=1))
    [welcome] = deliver_due(runtime, sink, 1)
    return welcome


def _change(runtime: Runtime, action: Callable[..., object], *args: object) -> None:
    with runtime.unit_of_work() as uow:
        action(uow, runtime, partner(runtime, ANA).id, *args)


def _pause(runtime: Runtime) -> None:
    _change(runtime, preferences.pause)


def _resume(runtime: Runtime) -> None:
    _change(runtime, preferences.resume)


def _stage(runtime: Runtime, key: str = "acknowledge") -> Delivery:
    return next(d for d in deliveries(runtime, ANA) if d.key == key)


def _subject(runtime: Runtime, key: str) -> str:
    stage = runtime.programs.current()[1].stage(key)
    assert stage is not None
    return stage.subject


@pytest.fixture
def welcomed(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
             clock: ManualClock) -> Received:
    return _welcomed(client, runtime, smtp_sink, clock)


@pytest.fixture
def paused_three_weeks(welcomed: Received, runtime: Runtime, clock: ManualClock) -> None:
    _pause(runtime)
    # Wednesday 11 November, 05:00 in New York (winter time since 1 November).
    clock.advance(timedelta(days=21))


# pause


@pytest.mark.usefixtures("welcomed")
def test_pausing_holds_the_next_stage(runtime: Runtime, clock: ManualClock) -> None:
    _pause(runtime)
    assert _stage(runtime).status is S.HELD
    assert partner(runtime, ANA).paused_at == clock.now()


@pytest.mark.usefixtures("paused_three_weeks")
def test_nothing_is_sent_while_paused_even_after_the_due_time(
        runtime: Runtime, smtp_sink: SmtpSink) -> None:
    assert deliver_due(runtime, smtp_sink, 0) == []
    assert len(smtp_sink.to(ANA)) == 2  # the confirmation and the welcome
    assert _stage(runtime).status is S.HELD


@pytest.mark.usefixtures("welcomed")
def test_pausing_twice_keeps_the_first_pause(runtime: Runtime, clock: ManualClock) -> None:
    _pause(runtime)
    paused_at = clock.now()
    clock.advance(timedelta(hours=1))
    _pause(runtime)
    assert partner(runtime, ANA).paused_at == paused_at
    assert _stage(runtime).status is S.HELD


def test_a_partner_who_has_not_confirmed_cannot_pause(client: TestClient,
                                                      runtime: Runtime) -> None:
    client.post("/api/v1/signups", json=signup_body(partner_email=None, partner_first_name=None))
    with pytest.raises(preferences.PartnerNotActive):
        _pause(runtime)
    assert partner(runtime, ANA).paused_at is None


# resume


@pytest.mark.usefixtures("paused_three_weeks")
def test_resuming_after_the_held_weeks_ended_sends_the_couples_current_week_at_the_next_send_hour(
        runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _resume(runtime)
    # Week 1 ("acknowledge") and week 2 ended during the pause; week 3 began on 10 November.
    assert [d.key for d in deliveries(runtime, ANA) if d.key == "acknowledge"] == []
    current = _stage(runtime, "root-cause")
    assert (current.status, current.due_at) == (S.SCHEDULED,
                                                datetime(2026, 11, 11, 12, tzinfo=UTC))
    clock.set(current.due_at)
    [message] = deliver_due(runtime, smtp_sink, 1)
    assert message.subject == _subject(runtime, "root-cause")


@pytest.mark.usefixtures("paused_three_weeks")
def test_resuming_keeps_the_couples_calendar(
        runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _resume(runtime)
    clock.set(_stage(runtime, "root-cause").due_at)
    deliver_due(runtime, smtp_sink, 1)
    # Week 4 on its planned day (start + 28), as for the partner who never paused.
    assert _stage(runtime, "attunement").due_at == datetime(2026, 11, 17, 12, tzinfo=UTC)
    assert partner(runtime, ANA).program_start_date == date(2026, 10, 20)


@pytest.mark.usefixtures("welcomed")
def test_a_short_pause_keeps_the_planned_time(runtime: Runtime, clock: ManualClock) -> None:
    _pause(runtime)
    clock.advance(timedelta(hours=2))
    _resume(runtime)
    assert (_stage(runtime).status, _stage(runtime).due_at) == (S.SCHEDULED, ACKNOWLEDGE_DUE)
    assert partner(runtime, ANA).program_start_date == date(2026, 10, 20)


@pytest.mark.usefixtures("paused_three_weeks")
def test_resuming_twice_changes_nothing_the_second_time(runtime: Runtime,
                                                        clock: ManualClock) -> None:
    _resume(runtime)
    first = (_stage(runtime, "root-cause").due_at, partner(runtime, ANA).program_start_date)
    clock.advance(timedelta(hours=1))
    _resume(runtime)
    assert (_stage(runtime, "root-cause").due_at,
            partner(runtime, ANA).program_start_date) == first
    assert _stage(runtime, "root-cause").status is S.SCHEDULED


@pytest.mark.usefixtures("welcomed")
def test_resuming_a_partner_who_is_not_paused_changes_nothing(runtime: Runtime) -> None:
    _resume(runtime)
    assert (_stage(runtime).status, _stage(runtime).due_at) == (S.SCHEDULED, ACKNOWLEDGE_DUE)
    assert partner(runtime, ANA).paused_at is None


@pytest.mark.usefixtures("paused_three_weeks")
def test_a_resumed_stage_skips_quiet_days(runtime: Runtime) -> None:
    _change(runtime, preferences.set_quiet_days, [3])  # Wednesday, the day of resuming
    _resume(runtime)
    assert _stage(runtime, "root-cause").due_at == datetime(2026, 11, 12, 12, tzinfo=UTC)


def test_an_unsubscribed_partner_cannot_be_resumed(
        client: TestClient, runtime: Runtime, welcomed: Received) -> None:
    _pause(runtime)
    client.post(unsubscribe_path(welcomed))
    with pytest.raises(preferences.PartnerNotActive):
        _resume(runtime)
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_unsubscribing_cancels_a_held_stage(client: TestClient, runtime: Runtime,
                                            welcomed: Received) -> None:
    _pause(runtime)
    client.post(unsubscribe_path(welcomed))
    assert _stage(runtime).status is S.CANCELLED


# quiet days


@pytest.mark.usefixtures("welcomed")
def test_quiet_days_move_a_waiting_stage_to_the_next_open_day(runtime: Runtime) -> None:
    _change(runtime, preferences.set_quiet_days, [2])  # Tuesday, the planned day
    assert _stage(runtime).due_at == datetime(2026, 10, 28, 11, tzinfo=UTC)


@pytest.mark.usefixtures("welcomed")
def test_a_waiting_stage_not_on_a_quiet_day_keeps_its_time(runtime: Runtime) -> None:
    _change(runtime, preferences.set_quiet_days, [6, 7])
    assert _stage(runtime).due_at == ACKNOWLEDGE_DUE


@pytest.mark.usefixtures("welcomed")
def test_quiet_days_are_stored_sorted_once_each(runtime: Runtime) -> None:
    _change(runtime, preferences.set_quiet_days, [7, 6, 7])
    assert partner(runtime, ANA).quiet_days == "6,7"


@pytest.mark.usefixtures("welcomed")
@pytest.mark.parametrize("days", [[0], [8], [1, 2, 3, 4, 5, 6, 7]],
                         ids=["zero", "eight", "all-seven"])
def test_bad_quiet_days_are_refused_and_change_nothing(runtime: Runtime,
                                                       days: list[int]) -> None:
    _change(runtime, preferences.set_quiet_days, [6, 7])
    with pytest.raises(preferences.PreferenceError) as refused:
        _change(runtime, preferences.set_quiet_days, days)
    assert refused.value.field == "quiet_days"
    assert partner(runtime, ANA).quiet_days == "6,7"
    assert _stage(runtime).due_at == ACKNOWLEDGE_DUE


# send time


@pytest.mark.usefixtures("welcomed")
def test_a_new_send_hour_moves_the_waiting_stage_on_its_planned_date(runtime: Runtime) -> None:
    _change(runtime, preferences.set_send_time, 19, "America/New_York")
    assert _stage(runtime).due_at == datetime(2026, 10, 27, 23, tzinfo=UTC)


@pytest.mark.usefixtures("welcomed")
def test_a_new_zone_keeps_the_planned_date_at_the_new_local_hour(runtime: Runtime) -> None:
    _change(runtime, preferences.set_send_time, 20, "Europe/Berlin")
    assert _stage(runtime).due_at == datetime(2026, 10, 27, 19, tzinfo=UTC)  # 20:00 CET
    assert (partner(runtime, ANA).send_hour, partner(runtime, ANA).timezone) == \
        (20, "Europe/Berlin")


@pytest.mark.usefixtures("welcomed")
def test_a_new_send_hour_already_passed_on_the_planned_date_goes_the_next_day(
        runtime: Runtime, clock: ManualClock) -> None:
    clock.set(datetime(2026, 10, 27, 10, 30, tzinfo=UTC))  # 06:30 in New York
    _change(runtime, preferences.set_send_time, 6, "America/New_York")
    assert _stage(runtime).due_at == datetime(2026, 10, 28, 10, tzinfo=UTC)


@pytest.mark.usefixtures("welcomed")
@pytest.mark.parametrize(("hour", "zone", "field"), [
    (24, "America/New_York", "send_hour"),
    (-1, "America/New_York", "send_hour"),
    (7, "Mars/Olympus_Mons", "timezone"),
], ids=["hour-24", "hour-negative", "unknown-zone"])
def test_a_bad_send_time_is_refused_and_changes_nothing(runtime: Runtime, hour: int, zone: str,
                                                        field: str) -> None:
    with pytest.raises(preferences.PreferenceError) as refused:
        _change(runtime, preferences.set_send_time, hour, zone)
    assert refused.value.field == field
    assert (partner(runtime, ANA).send_hour, partner(runtime, ANA).timezone) == \
        (7, "America/New_York")
    assert _stage(runtime).due_at == ACKNOWLEDGE_DUE


# What the delivery service does with a paused partner or quiet days
# (reconnect/sending/service.py and outcomes.py).


@pytest.mark.usefixtures("welcomed")
def test_a_stage_claimed_before_the_pause_is_held_not_sent(
        runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    clock.set(ACKNOWLEDGE_DUE)
    with runtime.unit_of_work() as uow:
        [claimed] = DeliveryRepository(uow.session).claim_due(clock.now(), 10)
    _pause(runtime)
    runtime.sender.send(DELIVER, (claimed,))
    wait_until(lambda: _stage(runtime).status is not S.CLAIMED)
    wait_until(lambda: not in_flight(runtime))
    assert len(smtp_sink.to(ANA)) == 2
    assert _stage(runtime).status is S.HELD


@pytest.mark.usefixtures("welcomed")
def test_the_stage_after_a_sent_one_is_planned_on_an_open_day(
        runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _change(runtime, preferences.set_quiet_days, [2])
    clock.set(_stage(runtime).due_at)
    deliver_due(runtime, smtp_sink, 1)
    # Planned for Tuesday 3 November (day 14); Tuesday is quiet, so Wednesday 07:00 EST.
    assert _stage(runtime, "share-without-blame").due_at == datetime(2026, 11, 4, 12,
                                                                     tzinfo=UTC)
