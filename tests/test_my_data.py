"""A partner's own data: downloaded as JSON, or erased, without touching their partner's."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.flows import (
    ANA,
    BEN,
    couple_with_first_stage,
    deliveries,
    partner,
    row_counts,
)
from tests.support.links import preferences_path, reflect_paths
from tests.support.smtp import SmtpSink


@pytest.fixture
def links(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
          clock: ManualClock) -> dict[str, str]:
    """Ana and Ben, a couple, each with a first stage email and one reflection written;
    returns each one's preferences link."""
    couple_with_first_stage(client, runtime, smtp_sink, clock)
    found = {}
    for email, note in ((ANA, "Ana's own words"), (BEN, "Ben's own words")):
        stage_email = smtp_sink.to(email)[-1]
        hope = next(p for p in reflect_paths(stage_email) if "/hope?" in p).split("?")[0]
        assert client.post(hope, data={"answer": "not-sure", "note": note}).status_code == 200
        found[email] = preferences_path(stage_email)
    return found


def test_the_download_holds_your_details_emails_and_reflections(
        client: TestClient, links: dict[str, str]) -> None:
    response = client.get(f"{links[ANA]}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    assert data["you"]["email"] == ANA
    assert [(r["note"], r["shared_with_partner"]) for r in data["reflections"]] == \
        [("Ana's own words", False)]
    assert data["you"]["reminders"] is True
    assert {e["email"] for e in data["emails"]} >= {"_confirm-1", "welcome"}


def test_the_download_never_includes_your_partners_answers(
        client: TestClient, links: dict[str, str]) -> None:
    assert "Ben's own words" not in client.get(f"{links[ANA]}/export").text
    assert BEN not in client.get(f"{links[ANA]}/export").text


def test_downloading_and_opening_the_erase_page_change_nothing(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    before = row_counts(runtime)
    client.get(f"{links[ANA]}/export")
    page = client.get(f"{links[ANA]}/erase")
    assert page.status_code == 200
    assert "cannot be undone" in page.text
    assert row_counts(runtime) == before


def test_erasing_removes_everything_about_you_and_says_what_went(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    ana_emails = len(deliveries(runtime, ANA))
    before = row_counts(runtime)
    response = client.post(f"{links[ANA]}/erase")
    assert response.status_code == 200
    assert f"{ana_emails} email records and 1 reflection." in response.text
    after = row_counts(runtime)
    assert after["partners"] == before["partners"] - 1
    assert after["reflections"] == before["reflections"] - 1
    assert after["deliveries"] == before["deliveries"] - ana_emails
    assert deliveries(runtime, ANA) == []


def test_erasing_leaves_your_partner_and_their_answers_alone(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    client.post(f"{links[ANA]}/erase")
    ben = json.loads(client.get(f"{links[BEN]}/export").text)
    assert [r["note"] for r in ben["reflections"]] == ["Ben's own words"]
    assert deliveries(runtime, BEN)


def test_after_erasing_your_links_lead_to_a_friendly_page(
        client: TestClient, links: dict[str, str]) -> None:
    client.post(f"{links[ANA]}/erase")
    assert client.get(links[ANA]).status_code == 400
    assert client.post(f"{links[ANA]}/erase").status_code == 400
    assert client.get(f"{links[ANA]}/export").status_code == 400


def test_when_both_partners_erase_nothing_of_the_couple_remains(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    client.post(f"{links[ANA]}/erase")
    client.post(f"{links[BEN]}/erase")
    counts = row_counts(runtime)
    assert (counts["partners"], counts["couples"], counts["deliveries"],
            counts["reflections"]) == (0, 0, 0, 0)


def test_a_tampered_link_cannot_read_or_erase_anything(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    tampered = links[ANA][:-2] + ("xx" if not links[ANA].endswith("xx") else "yy")
    before = row_counts(runtime)
    assert client.get(f"{tampered}/export").status_code == 400
    assert client.post(f"{tampered}/erase").status_code == 400
    assert row_counts(runtime) == before


def test_the_download_names_each_question_and_answer_in_words(
        client: TestClient, links: dict[str, str]) -> None:
    data = client.get(f"{links[ANA]}/export").json()
    [reflection] = data["reflections"]
    assert "?" in reflection["question_text"]
    assert reflection["answer_label"]
    assert reflection["answer_label"] != reflection["answer"]
    assert reflection["step"]


def test_the_download_gives_times_in_your_own_zone(
        client: TestClient, links: dict[str, str]) -> None:
    data = client.get(f"{links[ANA]}/export").json()
    # Ana lives in New York: an offset of four or five hours behind UTC.
    assert data["you"]["signed_up_at_local"][-6:] in ("-04:00", "-05:00")
    assert all(e["what"] for e in data["emails"])


def test_the_readable_page_shows_the_same_data_and_writes_nothing(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    before = row_counts(runtime)
    page = client.get(f"{links[ANA]}/my-data")
    assert page.status_code == 200
    data = client.get(f"{links[ANA]}/export").json()
    assert data["reflections"][0]["question_text"] in page.text
    assert "Ben's own words" not in page.text
    assert row_counts(runtime) == before


def test_the_download_names_each_step_as_everywhere_else(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    _, program = runtime.programs.current()
    data = json.loads(client.get(f"{links[ANA]}/export").text)
    steps = {e["email"]: e["step"] for e in data["emails"]}
    assert steps["welcome"] == program.stages[0].title
    assert steps["_confirm-1"] is None
    second = program.stages[1]
    assert steps[second.key] == f"Week {second.day // 7} · {second.title}"
    [reflection] = data["reflections"]
    assert reflection["step"] == program.stages[0].title
    assert reflection["question_text"]


def test_erasing_tells_your_partner_only_that_you_left(
        client: TestClient, runtime: Runtime, links: dict[str, str]) -> None:
    client.post(f"{links[ANA]}/erase")
    assert partner(runtime, BEN).partner_left
