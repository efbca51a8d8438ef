"""Send times: the partner's local send hour in their own zone, across DST changes,
missed stages that arrive one per day and never in the past, and quiet days skipped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reconnect.deliveries.schedule import local_send_time, next_send_time, stage_due_at

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# local_send_time


def test_winter_send_hour_in_new_york_is_five_hours_behind_utc() -> None:
    assert local_send_time(date(2026, 1, 15), 7, NEW_YORK) == utc(2026, 1, 15, 12)


def test_summer_send_hour_in_new_york_is_four_hours_behind_utc() -> None:
    assert local_send_time(date(2026, 7, 15), 7, NEW_YORK) == utc(2026, 7, 15, 11)


def test_send_time_is_returned_in_utc() -> None:
    assert local_send_time(date(2026, 1, 15), 7, NEW_YORK).utcoffset() == timedelta(0)


def test_send_time_reads_as_the_send_hour_locally() -> None:
    local = local_send_time(date(2026, 7, 15), 7, BERLIN).astimezone(ZoneInfo(BERLIN))
    assert (local.date(), local.hour, local.minute) == (date(2026, 7, 15), 7, 0)


def test_nonexistent_spring_forward_hour_lands_just_after_the_gap() -> None:
    # Berlin jumps from 02:00 CET to 03:00 CEST on 29 March 2026.
    sent = local_send_time(date(2026, 3, 29), 2, BERLIN)
    local = sent.astimezone(ZoneInfo(BERLIN))
    assert (local.date(), local.hour, local.minute) == (date(2026, 3, 29), 3, 0)
    assert sent == utc(2026, 3, 29, 1)


def test_spring_forward_send_time_is_a_real_instant() -> None:
    sent = local_send_time(date(2026, 3, 29), 2, BERLIN)
    assert sent.astimezone(ZoneInfo(BERLIN)).astimezone(UTC) == sent


def test_repeated_fall_back_hour_uses_the_first_occurrence() -> None:
    # Berlin goes from 03:00 CEST back to 02:00 CET on 25 October 2026, so 02:00 happens
    # at 00:00 UTC and again at 01:00 UTC.
    assert local_send_time(date(2026, 10, 25), 2, BERLIN) == utc(2026, 10, 25, 0)


def test_send_hour_after_the_fall_back_change_uses_winter_time() -> None:
    assert local_send_time(date(2026, 10, 25), 7, BERLIN) == utc(2026, 10, 25, 6)


# next_send_time


def test_next_send_time_is_today_when_the_hour_is_still_ahead() -> None:
    # 06:30 in New York (winter).
    assert next_send_time(utc(2026, 1, 15, 11, 30), 7, NEW_YORK) == utc(2026, 1, 15, 12)


def test_next_send_time_is_tomorrow_when_the_hour_has_passed() -> None:
    # 07:30 in New York (winter).
    assert next_send_time(utc(2026, 1, 15, 12, 30), 7, NEW_YORK) == utc(2026, 1, 16, 12)


def test_next_send_time_is_tomorrow_when_now_is_exactly_the_send_time() -> None:
    assert next_send_time(utc(2026, 1, 15, 12), 7, NEW_YORK) == utc(2026, 1, 16, 12)


def test_next_send_time_is_a_microsecond_later_still_today() -> None:
    after = utc(2026, 1, 15, 12) - timedelta(microseconds=1)
    assert next_send_time(after, 7, NEW_YORK) == utc(2026, 1, 15, 12)


def test_next_send_time_uses_the_local_date_not_the_utc_date() -> None:
    # 02:00 UTC on the 16th is still 21:00 on the 15th in New York, so the next 07:00
    # there is on the 16th, which is 12:00 UTC the same UTC day.
    assert next_send_time(utc(2026, 1, 16, 2), 7, NEW_YORK) == utc(2026, 1, 16, 12)


def test_next_send_time_ahead_of_utc_rolls_over_by_local_date() -> None:
    # 23:30 UTC on the 15th is already 00:30 on the 16th in Berlin (winter, UTC+1).
    assert next_send_time(utc(2026, 1, 15, 23, 30), 7, BERLIN) == utc(2026, 1, 16, 6)


def test_next_send_time_accepts_an_aware_time_in_any_zone() -> None:
    after = datetime(2026, 1, 15, 6, 30, tzinfo=ZoneInfo(NEW_YORK))
    assert next_send_time(after, 7, NEW_YORK) == utc(2026, 1, 15, 12)


def test_next_send_time_is_always_strictly_after() -> None:
    start = utc(2026, 3, 27, 0)
    for quarter_hours in range(4 * 24 * 4):
        after = start + timedelta(minutes=15 * quarter_hours)
        result = next_send_time(after, 2, BERLIN)
        assert after < result <= after + timedelta(days=1, hours=1), after


def test_next_send_time_across_spring_forward_is_the_instant_after_the_gap() -> None:
    # 23:00 local on 28 March; the next 02:00 does not exist and becomes 03:00 CEST.
    assert next_send_time(utc(2026, 3, 28, 22), 2, BERLIN) == utc(2026, 3, 29, 1)


def test_next_send_time_across_fall_back_skips_the_repeated_hour() -> None:
    # At 00:00 UTC on 25 October it is exactly the first 02:00 in Berlin; the repeat at
    # 01:00 UTC is not a new send time, the next one is 02:00 CET on the 26th.
    assert next_send_time(utc(2026, 10, 25, 0), 2, BERLIN) == utc(2026, 10, 26, 1)


# stage_due_at


def test_stage_due_at_planned_time_when_it_is_in_the_future() -> None:
    now = utc(2026, 1, 10, 9)
    due = stage_due_at(date(2026, 1, 5), 7, 7, NEW_YORK, now)
    assert due == utc(2026, 1, 12, 12)


def test_stage_due_at_uses_the_local_send_hour_on_the_planned_day_across_dst() -> None:
    # Start 5 March (EST); day 14 is 19 March, after the 8 March change to EDT.
    due = stage_due_at(date(2026, 3, 5), 14, 7, NEW_YORK, utc(2026, 3, 5, 13))
    assert due == utc(2026, 3, 19, 11)


def test_stage_due_at_next_send_hour_when_the_planned_time_has_passed() -> None:
    # Planned for 12 Jan; it is now 10:00 local on 20 Jan, so it goes at 07:00 on the 21st.
    now = utc(2026, 1, 20, 15)
    due = stage_due_at(date(2026, 1, 5), 7, 7, NEW_YORK, now)
    assert due == utc(2026, 1, 21, 12)


def test_missed_stage_goes_today_if_the_send_hour_is_still_ahead() -> None:
    now = utc(2026, 1, 20, 11)  # 06:00 local
    assert stage_due_at(date(2026, 1, 5), 7, 7, NEW_YORK, now) == utc(2026, 1, 20, 12)


def test_missed_stage_is_never_due_in_the_past() -> None:
    now = utc(2026, 6, 1, 12, 34)
    for day in range(0, 120, 7):
        assert stage_due_at(date(2026, 1, 5), day, 7, NEW_YORK, now) > now


def test_missed_stages_arrive_one_per_day() -> None:
    # A partner paused for weeks; each stage is scheduled when the previous one is sent.
    start = date(2026, 1, 5)
    now = utc(2026, 3, 1, 15)
    sent: list[datetime] = []
    for day in (7, 14, 21, 28):
        due = stage_due_at(start, day, 7, BERLIN, now)
        sent.append(due)
        now = due  # the previous stage goes out exactly at its due time
    assert sent == [utc(2026, 3, 2, 6), utc(2026, 3, 3, 6), utc(2026, 3, 4, 6),
                    utc(2026, 3, 5, 6)]


def test_caught_up_stages_return_to_their_planned_days() -> None:
    # After one missed stage, a stage whose planned time is still ahead keeps its plan.
    start = date(2026, 1, 5)
    missed = stage_due_at(start, 7, 7, NEW_YORK, utc(2026, 1, 14, 15))
    assert missed == utc(2026, 1, 15, 12)
    assert stage_due_at(start, 14, 7, NEW_YORK, missed) == utc(2026, 1, 19, 12)


# quiet days (ISO weekdays: 1 = Monday … 7 = Sunday)

WEEKEND = frozenset({6, 7})


def test_next_send_time_skips_a_quiet_day() -> None:
    # 07:30 on Thursday 15 Jan in New York; Friday is quiet, so Saturday 07:00.
    after = utc(2026, 1, 15, 12, 30)
    assert next_send_time(after, 7, NEW_YORK, quiet_days=frozenset({5})) == utc(2026, 1, 17, 12)


def test_next_send_time_is_today_when_today_is_not_quiet() -> None:
    # 06:30 on Thursday 15 Jan in New York.
    after = utc(2026, 1, 15, 11, 30)
    assert next_send_time(after, 7, NEW_YORK, quiet_days=WEEKEND) == utc(2026, 1, 15, 12)


def test_quiet_days_are_judged_by_the_local_date() -> None:
    # 21:00 on Friday 16 Jan in New York is already Saturday in UTC; only Saturday is
    # quiet, and locally it is still Friday, so the email goes.
    after = utc(2026, 1, 16, 12)
    assert next_send_time(after, 21, NEW_YORK, quiet_days=frozenset({6})) == utc(2026, 1, 17, 2)


def test_six_quiet_days_leave_one_send_day_a_week() -> None:
    # 08:00 on Sunday 11 Jan in New York, the hour has passed and only Sunday is open.
    after = utc(2026, 1, 11, 13)
    assert next_send_time(after, 7, NEW_YORK, quiet_days=frozenset(range(1, 7))) \
        == utc(2026, 1, 18, 12)


def test_quiet_day_before_spring_forward_lands_just_after_the_gap() -> None:
    # 03:00 on Friday 27 March in Berlin; Saturday is quiet; Sunday 29 March has no 02:00,
    # so the email goes at 03:00 CEST.
    after = utc(2026, 3, 27, 2)
    assert next_send_time(after, 2, BERLIN, quiet_days=frozenset({6})) == utc(2026, 3, 29, 1)


def test_quiet_spring_forward_day_moves_to_the_next_day_in_summer_time() -> None:
    # 23:00 on Saturday 28 March in Berlin; Sunday (the change) is quiet, so Monday 02:00
    # CEST.
    after = utc(2026, 3, 28, 22)
    assert next_send_time(after, 2, BERLIN, quiet_days=frozenset({7})) == utc(2026, 3, 30, 0)


def test_quiet_day_before_fall_back_uses_the_first_repeated_hour() -> None:
    # Friday 23 October; Saturday is quiet; Sunday 25 October has 02:00 twice (00:00 and
    # 01:00 UTC) and the first is used.
    after = utc(2026, 10, 23, 12)
    assert next_send_time(after, 2, BERLIN, quiet_days=frozenset({6})) == utc(2026, 10, 25, 0)


def test_next_send_time_with_quiet_days_is_strictly_after_and_on_an_open_day() -> None:
    quiet = frozenset({2, 3, 7})
    start = utc(2026, 3, 23, 0)
    for hours in range(0, 24 * 14, 5):
        after = start + timedelta(hours=hours)
        result = next_send_time(after, 2, BERLIN, quiet_days=quiet)
        local = result.astimezone(ZoneInfo(BERLIN))
        assert result > after, after
        assert local.isoweekday() not in quiet, after
        assert result <= after + timedelta(days=4, hours=1), after


def test_stage_planned_on_a_quiet_day_moves_to_the_next_open_day() -> None:
    # Start Monday 5 Jan; day 5 is Saturday 10 Jan, so it goes on Monday 12 Jan.
    due = stage_due_at(date(2026, 1, 5), 5, 7, NEW_YORK, utc(2026, 1, 6, 9), quiet_days=WEEKEND)
    assert due == utc(2026, 1, 12, 12)


def test_stage_planned_on_an_open_day_keeps_its_planned_time() -> None:
    due = stage_due_at(date(2026, 1, 5), 7, 7, NEW_YORK, utc(2026, 1, 6, 9), quiet_days=WEEKEND)
    assert due == utc(2026, 1, 12, 12)


def test_missed_stage_skips_quiet_days_too() -> None:
    # Planned for Monday 5 Jan; it is now 10:00 on Friday 16 Jan, so Monday 19 Jan.
    due = stage_due_at(date(2026, 1, 5), 0, 7, NEW_YORK, utc(2026, 1, 16, 15),
                       quiet_days=WEEKEND)
    assert due == utc(2026, 1, 19, 12)


def _next(quiet: frozenset[int]) -> datetime:
    return next_send_time(utc(2026, 1, 15, 12), 7, NEW_YORK, quiet_days=quiet)


def _stage(quiet: frozenset[int]) -> datetime:
    return stage_due_at(date(2026, 1, 5), 7, 7, NEW_YORK, utc(2026, 1, 6, 9), quiet_days=quiet)


@pytest.mark.parametrize("schedule", [_next, _stage], ids=["next_send_time", "stage_due_at"])
@pytest.mark.parametrize("quiet", [frozenset(range(1, 8)), frozenset({0}), frozenset({8})],
                         ids=["all-seven", "zero", "eight"])
def test_impossible_quiet_days_are_refused(
        schedule: Callable[[frozenset[int]], datetime], quiet: frozenset[int]) -> None:
    with pytest.raises(ValueError, match=r"quiet days|at least one day"):
        schedule(quiet)
