"""The web archive: a past step's email in the browser, rendered by the same
composition as the email itself, behind the person's own link, never cached."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.flows import first_stage_email
from tests.support.links import journey_path, preferences_path
from tests.support.smtp import SmtpSink


def test_a_received_step_reads_in_the_browser_as_it_was_sent(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    token = preferences_path(message).rsplit("/", 1)[1]
    response = client.get(f"/archive/{token}/1")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    stage = runtime.programs.current()[1].stages[0]
    assert f"<title>{stage.subject}</title>" in response.text
    # The same composition: the email's own body paragraphs, inline styles and all.
    sent_body = message.html.replace("\r\n", "\n").split('class="card-cell"', 1)[1][:400]
    assert sent_body in response.text


def test_the_journey_links_each_received_step_to_its_email(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    journey = client.get(journey_path(message)).text
    token = preferences_path(message).rsplit("/", 1)[1]
    assert f'href="/archive/{token}/1"' in journey
    assert f'href="/archive/{token}/2"' not in journey


def test_a_step_not_yet_sent_is_not_shown(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    token = preferences_path(message).rsplit("/", 1)[1]
    for step in ("2", "0", "999999"):
        response = client.get(f"/archive/{token}/{step}")
        assert response.status_code == 404, step
        assert "This step is not here yet" in response.text


def test_a_tampered_archive_link_gets_the_friendly_page(client: TestClient) -> None:
    response = client.get("/archive/not-a-token/1")
    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_an_erased_persons_archive_link_opens_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    path = preferences_path(message)
    client.post(f"{path}/erase")
    first_stage_email(client, runtime, smtp_sink, clock)  # a stranger, same address
    response = client.get(f"/archive/{path.rsplit('/', 1)[1]}/1")
    assert response.status_code == 400
    assert "Ana" not in response.text
