"""Twenty people (or one person's twenty clicks) at the same instant, against a real
server process with two workers: every request answers within seconds with a documented
status, /healthz keeps answering in under a second, and the rows stay consistent."""

from __future__ import annotations

from collections import Counter

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reconnect.clock import ManualClock
from reconnect.models import Partner, PartnerStatus, Reflection, SignupRequest
from reconnect.runtime import Runtime
from tests.support.burst import BurstResult, burst
from tests.support.flows import ANA, BEN, first_stage_email, partner
from tests.support.links import preferences_path, reflect_paths, unsubscribe_path
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

pytestmark = [pytest.mark.process, pytest.mark.timeout(180)]

TWENTY = 20
# Health must never wait behind the burst; each request must answer, not hang.
HEALTH_LIMIT = 1.0
ANSWER_LIMIT = 10.0
FORM = {"email": ANA, "first_name": "Ana", "timezone": "Europe/Lisbon", "send_hour": "8",
        "partner_email": BEN, "partner_first_name": "Ben"}


def _answered_in_time(result: BurstResult, allowed: set[int]) -> None:
    assert set(result.statuses) <= allowed, Counter(result.statuses)
    assert result.slowest < ANSWER_LIMIT
    assert result.slowest_health < HEALTH_LIMIT
    for answer in result.answers:
        if answer.status == 503:  # too busy: the client is told when to come back
            assert answer.retry_after is not None


def _count(runtime: Runtime, query: object) -> int:
    with runtime.read_session() as session:
        return int(session.execute(query).scalar_one())  # type: ignore[call-overload]


def _signups_processed(runtime: Runtime) -> bool:
    return _count(runtime, select(func.count()).select_from(SignupRequest)) == 0


def _partners_with(runtime: Runtime, email: str) -> int:
    return _count(runtime, select(func.count()).select_from(Partner)
                  .where(Partner.email == email))


def test_twenty_identical_signup_forms_at_once_make_one_partner_per_address(
        server: str, runtime: Runtime) -> None:
    result = burst(server, TWENTY, lambda c, _: c.post("/", data=FORM))
    _answered_in_time(result, {200})
    wait_until(lambda: _signups_processed(runtime), timeout=30)
    assert (_partners_with(runtime, ANA), _partners_with(runtime, BEN)) == (1, 1)
    assert partner(runtime, BEN).couple_id == partner(runtime, ANA).couple_id


def test_twenty_identical_signups_answer_exactly_as_one_does(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        alone = client.post("/", data={**FORM, "email": "cy@example.org",
                                       "partner_email": "", "partner_first_name": ""})
    result = burst(server, TWENTY, lambda c, _: c.post("/", data=FORM))
    assert result.statuses == [alone.status_code] * TWENTY


def test_two_people_naming_each_other_at_once_become_one_couple(
        server: str, runtime: Runtime) -> None:
    forms = [FORM, {**FORM, "email": BEN, "first_name": "Ben", "partner_email": ANA,
                    "partner_first_name": "Ana"}]
    for _ in range(3):  # three rounds: the race is won by either side
        result = burst(server, 2, lambda c, n: c.post("/", data=forms[n]))
        _answered_in_time(result, {200})
    wait_until(lambda: _signups_processed(runtime), timeout=30)
    ana, ben = partner(runtime, ANA), partner(runtime, BEN)
    assert ana.couple_id == ben.couple_id
    assert (_partners_with(runtime, ANA), _partners_with(runtime, BEN)) == (1, 1)


def test_twenty_saves_of_one_preferences_page_at_once_leave_one_consistent_schedule(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    link = preferences_path(first_stage_email(client, runtime, smtp_sink, clock))

    def save(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(link, data={"action": "schedule", "send_hour": str(6 + n % 3),
                                  "timezone": "Europe/Berlin", "quiet_days": ["7"]})

    result = burst(server, TWENTY, save)
    _answered_in_time(result, {200, 503})
    assert result.statuses.count(200) >= TWENTY // 2
    ana = partner(runtime, ANA)
    assert (ana.timezone, ana.quiet_days) == ("Europe/Berlin", "7")
    assert ana.send_hour in (6, 7, 8)


def test_twenty_answers_to_one_question_at_once_keep_one_reflection(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    email = first_stage_email(client, runtime, smtp_sink, clock)
    question, _, chosen = reflect_paths(email)[0].partition("?answer=")

    def answer(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(question, data={"answer": chosen})

    result = burst(server, TWENTY, answer)
    _answered_in_time(result, {200, 503})
    assert result.statuses.count(200) >= TWENTY // 2
    assert _count(runtime, select(func.count()).select_from(Reflection)) == 1


def test_twenty_one_click_unsubscribes_at_once_all_answer_alike(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    link = unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock))
    one_click = {"List-Unsubscribe": "One-Click"}
    result = burst(server, TWENTY, lambda c, _: c.post(link, data=one_click))
    _answered_in_time(result, {200})
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED
