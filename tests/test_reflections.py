"""Reflection links: GET shows the chosen answer, POST records it, until the next stage."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Reflection
from reconnect.runtime import Runtime
from tests.support.flows import ANA, BEN, deliver_due, sign_up_and_confirm
from tests.support.links import reflect_paths
from tests.support.smtp import Received, SmtpSink

pytestmark = pytest.mark.usefixtures("worker")


def _welcome(client: TestClient, runtime: Runtime, sink: SmtpSink,
             clock: ManualClock) -> dict[str, Received]:
    sign_up_and_confirm(client, runtime, sink)
    clock.advance(timedelta(days=1))
    return {m.to: m for m in deliver_due(runtime, sink, 2)}


def _free_text_path(runtime: Runtime, welcome: Received) -> tuple[str, str]:
    """The path of the welcome stage's first prompt that invites a note, and an answer."""
    _, program = runtime.programs.current()
    prompt = next(p for p in program.stages[0].prompts if p.free_text)
    link = next(p for p in reflect_paths(welcome) if f"/{prompt.key}?" in p)
    return urlsplit(link).path, prompt.answers[0][0]


def _reflections(runtime: Runtime) -> list[Reflection]:
    with runtime.read_session() as session:
        return list(session.execute(select(Reflection)).scalars())


def test_every_answer_of_every_prompt_is_a_link(client: TestClient, runtime: Runtime,
                                                 smtp_sink: SmtpSink, clock: ManualClock) -> None:
    welcome = _welcome(client, runtime, smtp_sink, clock)[ANA]
    _, program = runtime.programs.current()
    expected = sum(len(p.answers) for p in program.stages[0].prompts)
    assert len(reflect_paths(welcome)) == expected
    assert all(path in welcome.html.replace("&amp;", "&") for path in reflect_paths(welcome))


def test_opening_an_answer_link_preselects_it_and_records_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    link = reflect_paths(_welcome(client, runtime, smtp_sink, clock)[ANA])[3]  # the "4"
    page = client.get(link)
    assert page.status_code == 200
    assert 'value="4" checked' in page.text
    assert _reflections(runtime) == []


def test_posting_records_the_answer_and_a_note(client: TestClient, runtime: Runtime,
                                               smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path, answer = _free_text_path(runtime, _welcome(client, runtime, smtp_sink, clock)[ANA])
    response = client.post(path, data={"answer": answer, "note": "A slow week."})
    assert response.status_code == 200
    assert "saved" in response.text
    [saved] = _reflections(runtime)
    assert (saved.stage_key, saved.answer, saved.note) == ("welcome", answer, "A slow week.")


def test_a_note_on_a_prompt_that_takes_none_is_refused(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    welcome = _welcome(client, runtime, smtp_sink, clock)[ANA]
    link = next(p for p in reflect_paths(welcome) if "/connection?" in p)
    response = client.post(urlsplit(link).path, data={"answer": "2", "note": "Hello"})
    assert response.status_code == 422
    assert _reflections(runtime) == []


def test_an_answer_can_be_changed_until_the_next_stage_arrives(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    welcome = _welcome(client, runtime, smtp_sink, clock)[ANA]
    path = urlsplit(reflect_paths(welcome)[0]).path
    client.post(path, data={"answer": "2"})
    client.post(path, data={"answer": "5"})
    assert [r.answer for r in _reflections(runtime)] == ["5"]
    clock.advance(timedelta(days=8))
    deliver_due(runtime, smtp_sink, 2)
    closed = client.post(path, data={"answer": "1"})
    assert closed.status_code == 409
    assert [r.answer for r in _reflections(runtime)] == ["5"]


def test_an_answer_that_is_not_offered_is_refused(client: TestClient, runtime: Runtime,
                                                  smtp_sink: SmtpSink,
                                                  clock: ManualClock) -> None:
    path = urlsplit(reflect_paths(_welcome(client, runtime, smtp_sink, clock)[ANA])[0]).path
    response = client.post(path, data={"answer": "9"})
    assert response.status_code == 422
    assert "choose one of the answers" in response.text
    assert _reflections(runtime) == []


def test_the_json_api_records_and_reads_back_with_the_link_token(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path, answer = _free_text_path(runtime, _welcome(client, runtime, smtp_sink, clock)[ANA])
    _, _, token, prompt = path.split("/")
    put = client.put(f"/api/v1/reflections/{token}/{prompt}",
                     json={"answer": answer, "note": "Better than I thought."})
    assert put.status_code == 200
    assert put.json()["answer"] == answer
    listed = {r["prompt"]: r for r in client.get(f"/api/v1/reflections/{token}").json()}
    assert listed[prompt]["note"] == "Better than I thought."
    assert listed["connection"]["answer"] is None


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"answer": "7"}, 422, "answer"),
    ({"answer": ""}, 422, "answer"),
    ({"note": "no answer"}, 422, "answer"),
])
def test_bad_reflection_input_is_refused_and_nothing_is_saved(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        body: dict[str, str], status: int, field: str) -> None:
    token = urlsplit(reflect_paths(_welcome(client, runtime, smtp_sink, clock)[ANA])[0]) \
        .path.split("/")[2]
    response = client.put(f"/api/v1/reflections/{token}/connection", json=body)
    assert response.status_code == status
    assert field in response.json()["fields"]
    assert _reflections(runtime) == []


def test_a_prompt_that_is_not_in_the_stage_is_a_404(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    token = urlsplit(reflect_paths(_welcome(client, runtime, smtp_sink, clock)[ANA])[0]) \
        .path.split("/")[2]
    assert client.put(f"/api/v1/reflections/{token}/nope", json={"answer": "1"}).status_code \
        == 404
    assert client.get(f"/reflect/{token}/nope").status_code == 404


def test_one_partners_token_only_ever_writes_their_own_reflection(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    mail = _welcome(client, runtime, smtp_sink, clock)
    ben_path = urlsplit(reflect_paths(mail[BEN])[0]).path
    client.post(ben_path, data={"answer": "1"})
    [saved] = _reflections(runtime)
    with runtime.read_session() as session:
        from reconnect.partners.repository import PartnerRepository

        owner = PartnerRepository(session).get(saved.partner_id)
        assert owner is not None
        assert owner.email == BEN


def test_notes_are_escaped_when_shown_again(client: TestClient, runtime: Runtime,
                                            smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path, answer = _free_text_path(runtime, _welcome(client, runtime, smtp_sink, clock)[ANA])
    client.post(path, data={"answer": answer, "note": "<script>alert(1)</script>"})
    page = client.get(path)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
