"""Unsubscribe: GET shows, POST acts, RFC 8058 one-click works for months."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import DeliveryStatus, PartnerStatus
from reconnect.runtime import Runtime
from tests.support.flows import ANA, BEN, deliver_due, deliveries, partner, sign_up_and_confirm
from tests.support.links import unsubscribe_path
from tests.support.smtp import Received, SmtpSink

pytestmark = pytest.mark.usefixtures("worker")


def _welcome(client: TestClient, runtime: Runtime, sink: SmtpSink, clock: ManualClock,
             to: str = ANA) -> Received:
    sign_up_and_confirm(client, runtime, sink)
    clock.advance(timedelta(days=1))
    return next(m for m in deliver_due(runtime, sink, 2) if m.to == to)


def test_every_stage_email_carries_one_click_unsubscribe_headers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    welcome = _welcome(client, runtime, smtp_sink, clock)
    assert str(welcome.message["List-Unsubscribe"]).startswith("<http")
    assert welcome.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_opening_the_unsubscribe_link_changes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = unsubscribe_path(_welcome(client, runtime, smtp_sink, clock))
    assert client.get(path).status_code == 200
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE


def test_one_click_post_unsubscribes_without_redirect_or_cookie(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = unsubscribe_path(_welcome(client, runtime, smtp_sink, clock))
    client.cookies.clear()
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_unsubscribing_cancels_what_was_scheduled(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post(unsubscribe_path(_welcome(client, runtime, smtp_sink, clock)))
    statuses = {d.key: d.status for d in deliveries(runtime, ANA)}
    assert statuses["acknowledge"] is DeliveryStatus.CANCELLED
    clock.advance(timedelta(days=30))
    deliver_due(runtime, smtp_sink, 0)
    assert len(smtp_sink.to(ANA)) == 2  # the confirmation and the welcome, nothing after


def test_unsubscribing_one_partner_leaves_the_other_untouched(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post(unsubscribe_path(_welcome(client, runtime, smtp_sink, clock, to=BEN)))
    assert partner(runtime, ANA).status is PartnerStatus.ACTIVE
    assert partner(runtime, BEN).status is PartnerStatus.UNSUBSCRIBED


def test_repeating_the_unsubscribe_gives_the_same_answer(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = unsubscribe_path(_welcome(client, runtime, smtp_sink, clock))
    first = client.post(path)
    second = client.post(path)
    assert (first.status_code, second.status_code) == (200, 200)


def test_the_link_still_works_after_sixty_days(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = unsubscribe_path(_welcome(client, runtime, smtp_sink, clock))
    clock.advance(timedelta(days=61))
    assert client.post(path).status_code == 200
    assert partner(runtime, ANA).status is PartnerStatus.UNSUBSCRIBED


def test_the_json_api_can_unsubscribe_with_the_same_token(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    token = unsubscribe_path(_welcome(client, runtime, smtp_sink, clock)).split("/")[-1]
    response = client.post(f"/api/v1/unsubscribe/{token}")
    assert response.json() == {"status": "unsubscribed"}


def test_a_forged_unsubscribe_token_is_refused(client: TestClient, runtime: Runtime) -> None:
    assert client.post("/unsubscribe/eyJwIjoxLCJ0IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA").status_code \
        == 400
    assert client.post("/api/v1/unsubscribe/forged").status_code == 401
