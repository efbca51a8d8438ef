"""The reflection page from an answer link: whether the answer is saved, said plainly and
first; one tap to save; after saving, the program's reply, help and the solo exercise
after "I don't feel safe", support after a worrying answer, the partner's answer with a
prompt to talk, and the way on to the week's next question and the journey."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Reflection
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.flows import ANA, BEN, couple_with_first_stage, enrol, send_due_now
from tests.support.links import reflect_paths
from tests.support.rich_program import RELIEF_REPLY, SNIPPETS, SOLO_TITLE, rich_programs
from tests.support.smtp import SmtpSink

SUPPORT = "You do not have to carry this alone"
NOT_SAVED = "Not saved yet."


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    return base_settings.model_copy(update={"program_dir": rich_programs(tmp_path / "p")})


def _week_one(client: TestClient, rt: Runtime, sink: SmtpSink, clock: ManualClock,
              email: str = ANA) -> dict[str, str]:
    """Ana alone has the welcome and then week 1 ("acknowledge"); the week-1 answer
    paths by ``question=answer``."""
    enrol(client, rt, sink, email)
    clock.advance(timedelta(days=1))
    send_due_now(rt)
    clock.advance(timedelta(days=7))
    send_due_now(rt)
    return _paths(sink, email)


def _paths(sink: SmtpSink, email: str) -> dict[str, str]:
    found = {}
    for path in reflect_paths(sink.to(email)[-1]):
        match = re.search(r"/([a-z-]+)\?answer=([a-z0-9-]+)$", path)
        assert match is not None
        found[f"{match.group(1)}={match.group(2)}"] = path
    return found


def _page_of(path: str) -> str:
    return urlsplit(path).path


def _reflections(rt: Runtime) -> list[Reflection]:
    with rt.read_session() as session:
        return list(session.execute(select(Reflection)).scalars())


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_an_answer_link_says_the_answer_is_not_saved_and_saves_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    page = client.get(paths["naming-feels=relief"])
    assert page.status_code == 200
    assert NOT_SAVED in page.text
    assert 'value="relief" checked' in page.text
    assert _reflections(runtime) == []


def test_the_save_button_comes_before_the_answers(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = client.get(_week_one(client, runtime, smtp_sink, clock)["naming-feels=relief"]).text
    top = page.index('<button type="submit" form="reflect-form"')
    assert top < page.index('name="answer"')
    assert page.index(NOT_SAVED) < top


def test_saving_says_saved_and_links_the_next_question_and_the_journey(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    saved = client.post(_page_of(paths["connection=4"]), data={"answer": "4"})
    assert saved.status_code == 200
    assert "Saved." in saved.text
    assert NOT_SAVED not in saved.text
    assert '<a class="next-question" href="noticed">Next question: Which of these did you ' \
           'notice this week?</a>' in saved.text
    assert re.search(r'href="/journey/[^"]+">Your journey so far', saved.text)


def test_the_next_question_skips_those_already_answered(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    client.post(_page_of(paths["noticed=less-touch"]), data={"answer": "less-touch"})
    saved = client.post(_page_of(paths["connection=4"]), data={"answer": "4"})
    assert 'href="naming-feels">Next question' in saved.text
    last = client.post(_page_of(paths["naming-feels=mixed"]), data={"answer": "mixed"})
    assert "You have answered every question this week." in last.text


def test_a_saved_answer_opened_again_says_it_is_saved(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    client.post(_page_of(paths["connection=4"]), data={"answer": "4"})
    again = client.get(paths["connection=4"])
    assert "Your answer is saved." in again.text
    assert NOT_SAVED not in again.text
    other = client.get(paths["connection=2"])
    assert NOT_SAVED in other.text
    assert 'value="2" checked' in other.text


def test_a_closed_week_shows_the_saved_answer_not_the_tapped_one(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    client.post(_page_of(paths["connection=2"]), data={"answer": "2"})
    clock.advance(timedelta(days=7))
    send_due_now(runtime)  # week 2 arrives: week 1 closes
    old = client.get(paths["connection=5"])
    assert 'value="2" checked' in old.text
    assert 'value="5" checked' not in old.text
    assert "Here is the answer you saved." in old.text
    assert NOT_SAVED not in old.text
    assert "Save my answer" not in old.text


def test_a_closed_week_never_answered_says_so(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    clock.advance(timedelta(days=7))
    send_due_now(runtime)
    old = client.get(paths["connection=5"])
    assert "checked" not in old.text
    assert "You did not save an answer to this question." in old.text


def test_i_dont_feel_safe_leads_to_help_and_the_solo_exercise(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    saved = client.post(_page_of(paths["naming-feels=not-safe"]), data={"answer": "not-safe"})
    assert re.search(r'href="/help/[^"]+">Help and people to talk to', saved.text)
    assert SOLO_TITLE in saved.text
    assert "finish three sentences in a private note" in saved.text
    assert "nothing of this answer is shown to your partner" in saved.text


def test_a_worrying_answer_shows_support_with_help_and_the_quick_exit(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    saved = client.post(_page_of(paths["noticed=no-one"]),
                        data={"answer": ["no-one", "fewer-talks"]})
    assert SUPPORT in saved.text
    assert re.search(r'href="/help/[^"]+">Help and people to talk to', saved.text)
    assert 'id="quick-exit"' in saved.text
    assert [r.answer for r in _reflections(runtime)] == ["fewer-talks,no-one"]


def test_an_answer_that_is_not_worrying_shows_no_support(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    saved = client.post(_page_of(paths["noticed=less-touch"]), data={"answer": "less-touch"})
    assert SUPPORT not in saved.text
    assert "Help and people to talk to" not in saved.text


def test_the_program_s_reply_to_an_answer_is_shown_after_saving(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    assert RELIEF_REPLY not in client.get(paths["naming-feels=relief"]).text
    saved = client.post(_page_of(paths["naming-feels=relief"]), data={"answer": "relief"})
    assert RELIEF_REPLY in saved.text


def test_a_multi_question_is_a_set_of_checkboxes_with_the_tapped_one_ticked(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = client.get(_week_one(client, runtime, smtp_sink, clock)["noticed=less-touch"]).text
    assert page.count('type="checkbox" name="answer"') == 4
    assert 'type="checkbox" name="answer" value="less-touch" checked' in page
    assert "Tick all that apply." in page


def test_a_multi_answer_is_changed_by_ticking_again(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = _page_of(_week_one(client, runtime, smtp_sink, clock)["noticed=less-touch"])
    client.post(path, data={"answer": ["less-touch", "more-screens"]})
    page = client.post(path, data={"answer": ["fewer-talks"]}).text
    assert 'value="fewer-talks" checked' in page
    assert 'value="less-touch" checked' not in page
    assert [r.answer for r in _reflections(runtime)] == ["fewer-talks"]


def test_a_multi_question_saved_with_nothing_ticked_asks_for_a_tick(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    path = _page_of(_week_one(client, runtime, smtp_sink, clock)["noticed=less-touch"])
    refused = client.post(path, data={})
    assert refused.status_code == 422
    assert "Please tick at least one of the answers shown." in refused.text
    assert _reflections(runtime) == []


def _api(path: str) -> str:
    token, prompt = _page_of(path).split("/")[2:4]
    return f"/api/v1/reflections/{token}/{prompt}"


def test_the_json_api_takes_a_list_for_a_multi_question(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    url = _api(_week_one(client, runtime, smtp_sink, clock)["noticed=less-touch"])
    saved = client.put(url, json={"answer": ["more-screens", "less-touch"]})
    assert saved.status_code == 200
    assert saved.json()["answer_values"] == ["less-touch", "more-screens"]
    assert saved.json()["answer_label"] == "Less touch, More screens"


@pytest.mark.parametrize(("key", "answer", "message"), [
    ("noticed=less-touch", ["less-touch", "less-touch"],
     "'less-touch' is chosen twice; choose each answer once."),
    ("noticed=less-touch", ["less-touch", "cats"],
     "'cats' is not one of the answers to this question."),
    ("naming-feels=relief", ["relief", "mixed"],
     "This question takes one answer; choose one of the answers shown."),
])
def test_the_json_api_refuses_a_bad_list_with_a_clear_message(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        key: str, answer: list[str], message: str) -> None:
    url = _api(_week_one(client, runtime, smtp_sink, clock)[key])
    refused = client.put(url, json={"answer": answer})
    assert refused.status_code == 422
    assert refused.json()["fields"]["answer"] == message
    assert _reflections(runtime) == []


def _both_answer(client: TestClient, rt: Runtime, sink: SmtpSink, clock: ManualClock,
                 ana: str, ben: str) -> str:
    couple_with_first_stage(client, rt, sink, clock)
    clock.advance(timedelta(days=7))
    send_due_now(rt)
    ben_paths = _paths(sink, BEN)
    client.post(_page_of(ben_paths[f"connection={ben}"]), data={"answer": ben, "share": "yes"})
    ana_paths = _paths(sink, ANA)
    return client.post(_page_of(ana_paths[f"connection={ana}"]),
                       data={"answer": ana, "share": "yes"}).text


def test_a_revealed_answer_comes_with_the_reveal_prompt(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = _words(_both_answer(client, runtime, smtp_sink, clock, "3", "4"))
    assert "Ben answered: 4" in page
    assert SNIPPETS["reveal"] in page
    assert SNIPPETS["reveal-far-apart"] not in page


def test_answers_far_apart_get_the_gentler_prompt(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    page = _words(_both_answer(client, runtime, smtp_sink, clock, "2", "4"))
    assert "Ben answered: 4" in page
    assert SNIPPETS["reveal-far-apart"] in page
    assert SNIPPETS["reveal"] not in page


def test_an_answer_not_shared_by_the_partner_is_never_shown(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    clock.advance(timedelta(days=7))
    send_due_now(runtime)
    client.post(_page_of(_paths(smtp_sink, BEN)["connection=1"]), data={"answer": "1"})
    page = client.post(_page_of(_paths(smtp_sink, ANA)["connection=4"]),
                       data={"answer": "4", "share": "yes"}).text
    assert "Ben answered" not in page


def test_the_journey_shows_a_multi_answer_in_words(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    paths = _week_one(client, runtime, smtp_sink, clock)
    saved = client.post(_page_of(paths["noticed=no-one"]),
                        data={"answer": ["no-one", "fewer-talks"]})
    journey = re.search(r'href="(/journey/[^"]+)"', saved.text)
    assert journey is not None
    assert "You answered: <strong>Fewer talks, No one to talk to</strong>" in \
        client.get(journey.group(1)).text
