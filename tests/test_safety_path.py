""""I don't feel safe": help at once, a quiet pause if wanted, and nothing the other
partner can see or feel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import DeliveryStatus
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    couple_with_first_stage,
    deliveries,
    partner,
    row_counts,
    send_due_now,
)
from tests.support.links import help_path, preferences_path, reflect_paths
from tests.support.smtp import SmtpSink

S = DeliveryStatus


@pytest.fixture
def couple(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
           clock: ManualClock) -> None:
    """Ana and Ben, both confirmed, each with their first stage email."""
    couple_with_first_stage(client, runtime, smtp_sink, clock)


def _ana_help(smtp_sink: SmtpSink) -> str:
    return help_path(smtp_sink.to(ANA)[-1])


@pytest.mark.usefixtures("couple")
def test_every_stage_email_offers_i_dont_feel_safe(smtp_sink: SmtpSink) -> None:
    for email in (ANA, BEN):
        message = smtp_sink.to(email)[-1]
        assert "I don't feel safe" in message.text
        assert "I don&#39;t feel safe" in message.html or "I don't feel safe" in message.html


@pytest.mark.usefixtures("couple")
def test_every_reflection_page_offers_it_too(client: TestClient, smtp_sink: SmtpSink) -> None:
    page = client.get(reflect_paths(smtp_sink.to(ANA)[-1])[0]).text
    link = page.split("I don")[0].rsplit('href="', 1)[1].split('"')[0]
    assert client.get(link).status_code == 200


@pytest.mark.usefixtures("couple")
def test_the_help_page_shows_crisis_resources_first_and_writes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    before = row_counts(runtime)
    page = client.get(_ana_help(smtp_sink)).text
    assert page.index("If you are in danger right now") < page.index("Pause my emails")
    assert runtime.settings.safety_url in page
    assert row_counts(runtime) == before
    assert partner(runtime, ANA).paused_at is None


@pytest.mark.usefixtures("couple")
def test_choosing_to_pause_there_pauses_only_that_partner(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    bens_before = [(d.key, d.status, d.due_at) for d in deliveries(runtime, BEN)]
    response = client.post(_ana_help(smtp_sink))
    assert response.status_code == 200
    assert "paused" in response.text
    assert partner(runtime, ANA).paused_at is not None
    assert [d.status for d in deliveries(runtime, ANA) if d.key == "acknowledge"] == [S.HELD]
    assert [(d.key, d.status, d.due_at) for d in deliveries(runtime, BEN)] == bens_before


@pytest.mark.usefixtures("couple")
def test_nothing_of_it_reaches_the_other_partner(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    bens_link = preferences_path(smtp_sink.to(BEN)[-1])

    def what_ben_sees() -> tuple[str, str]:
        return client.get(bens_link).text, client.get(f"{bens_link}/export").text

    before = what_ben_sees()
    client.post(_ana_help(smtp_sink))
    assert what_ben_sees() == before
    clock.advance(timedelta(days=7))
    ana_had, ben_had = len(smtp_sink.to(ANA)), len(smtp_sink.to(BEN))
    send_due_now(runtime)
    assert len(smtp_sink.to(ANA)) == ana_had  # Ana's emails wait while she is paused
    assert len(smtp_sink.to(BEN)) == ben_had + 1  # Ben's week goes on as planned


def test_a_tampered_help_link_gets_a_friendly_page(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/help/not-a-token").status_code == 400
    assert client.post("/help/not-a-token").status_code == 400
