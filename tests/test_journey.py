"""The journey page: your steps and answers, and your partner's shared answers only once
both of you answered and both chose to share."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.models import Reflection
from reconnect.reflections.journey import Reveal, reveal_state
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    couple_with_first_stage,
    row_counts,
    send_due_now,
)
from tests.support.links import journey_path, reflect_paths, unsubscribe_path
from tests.support.smtp import SmtpSink


def _answer(shared: bool) -> Reflection:
    return Reflection(answer="3", shared=shared)


@pytest.mark.parametrize(("own", "theirs", "expected"), [
    (None, None, Reveal.NOT_ANSWERED),
    (None, _answer(True), Reveal.NOT_ANSWERED),
    (_answer(False), _answer(True), Reveal.YOURS_ONLY),
    (_answer(True), None, Reveal.WAITING),
    (_answer(True), _answer(False), Reveal.WAITING),
    (_answer(True), _answer(True), Reveal.REVEALED),
])
def test_an_answer_is_revealed_only_when_both_answered_and_both_shared(
        own: Reflection | None, theirs: Reflection | None, expected: Reveal) -> None:
    assert reveal_state(own, theirs) is expected


@pytest.fixture
def couple(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
           clock: ManualClock) -> dict[str, str]:
    """Ana and Ben, each with their first stage email; returns each one's journey link."""
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    return {email: journey_path(smtp_sink.to(email)[-1]) for email in (ANA, BEN)}


def _rate(client: TestClient, sink: SmtpSink, email: str, value: str, share: bool) -> None:
    path = next(p for p in reflect_paths(sink.to(email)[-1]) if "/connection?" in p)
    data = {"answer": value, **({"share": "yes"} if share else {})}
    assert client.post(path.split("?")[0], data=data).status_code == 200


def test_the_journey_shows_steps_done_and_your_own_answer(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, ANA, "2", share=True)
    page = client.get(couple[ANA]).text
    steps = len(runtime.programs.current("main")[1].stages)
    assert f"1 of {steps} steps reached" in page
    assert "You answered: <strong>2</strong>" in page


def test_until_your_partner_answers_it_says_waiting_and_reveals_nothing(
        client: TestClient, smtp_sink: SmtpSink, couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, ANA, "2", share=True)
    page = client.get(couple[ANA]).text
    assert "Waiting for your partner." in page
    assert "Ben answered" not in page


def test_a_partner_who_answered_without_sharing_stays_hidden(
        client: TestClient, smtp_sink: SmtpSink, couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, ANA, "2", share=True)
    _rate(client, smtp_sink, BEN, "4", share=False)
    assert "Ben answered" not in client.get(couple[ANA]).text
    assert "Waiting for your partner." in client.get(couple[ANA]).text
    assert "You kept this answer to yourself." in client.get(couple[BEN]).text


def test_when_both_share_each_sees_the_others_answer_and_line(
        client: TestClient, smtp_sink: SmtpSink, couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, ANA, "2", share=True)
    _rate(client, smtp_sink, BEN, "4", share=True)
    anas, bens = client.get(couple[ANA]).text, client.get(couple[BEN]).text
    assert "Ben answered: <strong>4</strong>" in anas
    assert "Ana answered: <strong>2</strong>" in bens
    assert 'class="line theirs"' in anas


def test_sharing_only_on_your_side_never_shows_your_partner_anything(
        client: TestClient, smtp_sink: SmtpSink, couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, ANA, "2", share=False)
    _rate(client, smtp_sink, BEN, "4", share=True)
    assert "Ana answered" not in client.get(couple[BEN]).text
    assert "Ben answered" not in client.get(couple[ANA]).text


def test_the_chart_plots_your_ratings_with_the_figures_as_text(
        client: TestClient, smtp_sink: SmtpSink, couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, ANA, "2", share=False)
    page = client.get(couple[ANA]).text
    assert 'class="line yours"' in page
    assert "<td>Start</td><td>2</td>" in page  # the welcome (program week 0), rating 2
    assert 'class="line theirs"' not in page


def test_the_journey_page_writes_nothing(client: TestClient, runtime: Runtime,
                                         couple: dict[str, str]) -> None:
    before = row_counts(runtime)
    assert client.get(couple[ANA]).status_code == 200
    assert row_counts(runtime) == before


def test_a_tampered_journey_link_gets_a_friendly_page(client: TestClient,
                                                       couple: dict[str, str]) -> None:
    assert client.get(couple[ANA][:-2] + "zz").status_code == 400


def _forged_for_other_partner(path: str, prefix: str) -> str:
    """Ana's link with its payload rewritten to name another partner, signature kept."""
    token = path.split(prefix, 1)[1].split("/")[0].split("?")[0]
    payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["h"] = data["h"][::-1]
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return path.replace(token, forged.decode().rstrip("=") + "." + signature)


def test_a_link_rewritten_to_name_another_partner_reads_and_writes_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        couple: dict[str, str]) -> None:
    _rate(client, smtp_sink, BEN, "4", share=True)
    before = row_counts(runtime)
    forged_journey = _forged_for_other_partner(couple[ANA], "/journey/")
    assert client.get(forged_journey).status_code == 400
    reflect = next(p for p in reflect_paths(smtp_sink.to(ANA)[-1]) if "/connection?" in p)
    forged_reflect = _forged_for_other_partner(reflect, "/reflect/").split("?")[0]
    assert client.get(forged_reflect).status_code == 400
    assert client.post(forged_reflect, data={"answer": "1"}).status_code == 400
    assert client.put(f"/api/v1{forged_reflect.replace('/reflect/', '/reflections/')}",
                      json={"answer": "1"}).status_code == 401
    assert row_counts(runtime) == before
    assert "You answered: <strong>4</strong>" in client.get(couple[BEN]).text


def test_steps_are_named_by_their_program_week_and_the_chart_labels_its_weeks(
        client: TestClient, runtime: Runtime, couple: dict[str, str]) -> None:
    _, program = runtime.programs.current()
    page = client.get(couple[ANA]).text
    assert f"> {program.stages[0].title}</p>" in page  # the welcome: its title alone
    second = program.stages[1]
    assert f"Week {second.day // 7} · {second.title}" in page


def test_an_unanswered_question_links_to_its_page(
        client: TestClient, couple: dict[str, str]) -> None:
    page = client.get(couple[ANA]).text
    assert "Not answered yet: answer it now" in page
    assert 'href="/reflect/' in page


def test_with_a_partner_who_left_only_you_see_your_answers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        couple: dict[str, str]) -> None:
    one_click = client.post(unsubscribe_path(smtp_sink.to(BEN)[-1]),
                            data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    _rate(client, smtp_sink, ANA, "3", share=True)
    page = client.get(couple[ANA]).text
    assert "Only you can see your answers." in page
    assert "Waiting for your partner." not in page
    assert "Ben" not in page


def test_only_the_open_step_links_its_unanswered_questions(
        client: TestClient, runtime: Runtime, clock: ManualClock,
        couple: dict[str, str]) -> None:
    clock.advance(timedelta(days=8))
    send_due_now(runtime)  # the second step arrives: the first one's answers close
    page = client.get(couple[ANA]).text
    _, program = runtime.programs.current()
    open_links = page.count("Not answered yet: answer it now")
    assert open_links == len(program.stages[1].prompts)
