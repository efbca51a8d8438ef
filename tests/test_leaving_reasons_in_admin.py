"""Reasons for stopping reach the operator only as counts per reason: in the funnel's
JSON and on the dashboard, never beside a person."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BEARER
from tests.support.flows import ANA, first_stage_email
from tests.support.links import unsubscribe_path
from tests.support.smtp import SmtpSink


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN})


def test_the_funnel_counts_each_reason_given_for_stopping(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    client.post(unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock)),
                data={"reason": "too-many"})
    report = client.get("/api/v1/admin/stats/funnel", headers=BEARER).json()
    assert report["leaving_reasons"]["too-many"] == 1
    assert report["leaving_reasons"]["other"] == 0
    assert ANA not in str(report)


def test_the_dashboard_shows_the_reasons_in_words(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    client.post(unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock)),
                data={"reason": "not-now"})
    page = client.get("/admin", headers=BEARER).text
    assert "Reasons given for stopping" in page
    assert "It is not the right time" in page
