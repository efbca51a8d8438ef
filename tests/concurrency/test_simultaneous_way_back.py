"""One person's impatient double (or twentyfold) submit of a change of address, a pause,
an undo or a links request, against a real server process with two workers: every
request answers, and the rows and emails come out as from one submit."""

from __future__ import annotations

from collections import Counter

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Delivery, DeliveryKind, LinkRequest, PartnerStatus
from reconnect.runtime import Runtime
from tests.support.burst import BurstResult, burst
from tests.support.flows import ANA, deliveries, first_stage_email, partner
from tests.support.links import preferences_path, unsubscribe_path
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

pytestmark = [pytest.mark.process, pytest.mark.timeout(180)]

TWENTY = 20
ANSWER_LIMIT = 10.0
NEW = "ana.new@example.org"


def _answered(result: BurstResult, allowed: set[int]) -> None:
    assert set(result.statuses) <= allowed, Counter(result.statuses)
    assert result.slowest < ANSWER_LIMIT
    assert result.statuses.count(200) >= TWENTY // 2


def _notices(runtime: Runtime) -> list[str]:
    return sorted(d.key for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.NOTICE)


def test_twenty_changes_to_one_new_address_at_once_queue_one_email_each_way(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    link = preferences_path(first_stage_email(client, runtime, smtp_sink, clock))
    result = burst(server, TWENTY, lambda c, _: c.post(
        link, data={"action": "change_email", "new_email": NEW}))
    _answered(result, {200, 503})
    assert partner(runtime, ANA).pending_email == NEW
    assert _notices(runtime) == ["_address-change-1", "_new-address-1"]


def test_twenty_timed_pauses_at_once_hold_the_one_waiting_email(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    link = preferences_path(first_stage_email(client, runtime, smtp_sink, clock))

    def pause(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(link, data={"action": "pause", "weeks": "2"})

    _answered(burst(server, TWENTY, pause), {200, 503})
    ana = partner(runtime, ANA)
    assert ana.paused_at is not None
    assert ana.pause_until is not None
    stages = [d.status.value for d in deliveries(runtime, ANA)
              if d.kind is DeliveryKind.STAGE and d.status.value in ("scheduled", "held")]
    assert stages == ["held"]


def test_twenty_undos_at_once_bring_back_one_waiting_email(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    link = unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock))
    client.post(link)
    result = burst(server, TWENTY, lambda c, _: c.post(f"{link}/undo"))
    _answered(result, {200, 503})
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE
    waiting = [d.key for d in deliveries(runtime, ANA)
               if d.kind is DeliveryKind.STAGE and d.status.value == "scheduled"]
    assert len(waiting) == 1


def test_twenty_link_requests_at_once_answer_alike_and_queue_one_email(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    result = burst(server, TWENTY, lambda c, _: c.post("/my-link", data={"email": ANA}))
    _answered(result, {200, 503})

    def processed() -> bool:
        with runtime.read_session() as session:
            return session.execute(select(LinkRequest.id)).first() is None

    wait_until(processed, timeout=30)
    with runtime.read_session() as session:
        keys = list(session.execute(select(Delivery.key).where(
            Delivery.kind == DeliveryKind.NOTICE)).scalars())
    assert keys == ["_links-1"]
