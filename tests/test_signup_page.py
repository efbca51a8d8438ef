"""The signup page: a form that works without JavaScript and says what is wrong, where."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Partner
from reconnect.program.catalog import ProgramCatalog
from reconnect.runtime import Runtime
from reconnect.settings import PROJECT_ROOT
from tests.support.flows import ANA, BEN, partner, row_counts, send_due_now
from tests.support.links import confirm_path
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

FORM = {"email": "ana@example.org", "first_name": "Ana", "timezone": "Europe/London",
        "send_hour": "8"}


def test_the_home_page_is_a_labelled_signup_form(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for field in ("first_name", "email", "timezone", "send_hour", "partner_email"):
        assert f'<label for="{field}"' in page.text
        assert f'id="{field}"' in page.text
    assert 'method="post"' in page.text


def test_every_page_offers_a_discreet_way_to_find_help(client: TestClient,
                                                       runtime: Runtime) -> None:
    assert runtime.settings.safety_url in client.get("/").text


def test_a_valid_form_says_to_check_the_inbox(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data=FORM)
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert row_counts(runtime)["partners"] == 1


def test_an_error_is_shown_beside_its_field_and_the_form_keeps_what_was_typed(
        client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={**FORM, "email": "ana-at-example"})
    assert response.status_code == 422
    field = re.search(r'<input id="email"[^>]*>', response.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="email-error"' in field.group(0)
    assert 'value="ana-at-example"' in field.group(0)
    assert 'id="email-error"' in response.text
    assert 'value="Ana"' in response.text
    assert row_counts(runtime)["partners"] == 0


def test_a_partner_address_equal_to_ones_own_is_explained_beside_it(
        client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={**FORM, "partner_first_name": "Ben",
                                      "partner_email": "ana@example.org"})
    assert response.status_code == 422
    assert 'id="partner_email-error"' in response.text
    assert "different from yours" in response.text
    assert row_counts(runtime)["partners"] == 0


def test_typed_markup_is_shown_back_as_text(client: TestClient) -> None:
    response = client.post("/", data={**FORM, "first_name": '"><script>alert(1)</script>'})
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text


def test_the_known_and_new_address_pages_are_identical(client: TestClient) -> None:
    first = client.post("/", data=FORM)
    second = client.post("/", data=FORM)
    assert first.text == second.text


def test_an_unknown_page_gets_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "could not find" in response.text


def test_the_health_endpoint_answers(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def _program_choices(html: str) -> dict[str, bool]:
    """The program radio buttons on a page: slug -> checked."""
    return {m.group(1): " checked" in m.group(0)
            for m in re.finditer(r'<input type="radio"[^>]*name="program" value="([^"]+)"[^>]*>',
                                 html)}


def _program_group(html: str) -> str:
    group = re.search(r"<fieldset[^>]*>\s*<legend>Choose your program</legend>.*?</fieldset>",
                      html, re.S)
    assert group is not None
    return group.group(0)


def test_the_programs_are_offered_as_a_labelled_group_with_the_default_chosen(
        client: TestClient, runtime: Runtime) -> None:
    page = client.get("/")
    assert _program_choices(page.text) == {"main": True, "check-in": False}
    group = _program_group(page.text)
    for program in runtime.programs.loaded_programs():
        assert f'<label for="program-{program.slug}">{program.title}</label>' in group
        assert f'id="program-{program.slug}-about">{program.description}</p>' in group
        assert f'aria-describedby="program-{program.slug}-about"' in group


def test_a_link_can_preselect_a_program_without_writing_anything(
        client: TestClient, runtime: Runtime) -> None:
    assert _program_choices(client.get("/?program=check-in").text) == \
        {"main": False, "check-in": True}
    # Anything else is ignored: the default stays chosen.
    for other in ("no-such-program", "<b>", ""):
        assert _program_choices(client.get("/", params={"program": other}).text) == \
            {"main": True, "check-in": False}
    assert all(count == 0 for count in row_counts(runtime).values())


def test_the_chosen_program_is_kept_when_the_form_comes_back_with_errors(
        client: TestClient) -> None:
    response = client.post("/", data={**FORM, "email": "ana-at-example",
                                      "program": "check-in"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert _program_choices(response.text) == {"main": False, "check-in": True}
    assert 'id="program-error"' not in response.text


@pytest.mark.parametrize("chosen", ["no-such-program", "Check-In", "x" * 41,
                                    '"><script>alert(1)</script>'])
def test_an_unknown_program_is_explained_beside_the_choice_and_nothing_is_written(
        client: TestClient, runtime: Runtime, chosen: str) -> None:
    response = client.post("/", data={**FORM, "program": chosen})
    assert response.status_code == 422
    group = _program_group(response.text)
    assert group.startswith('<fieldset aria-describedby="program-error">')
    assert '<p class="error" id="program-error">Please choose one of the programs' in group
    assert _program_choices(response.text) == {"main": False, "check-in": False}
    assert "<script>alert(1)</script>" not in response.text
    assert 'value="Ana"' in response.text  # what was typed is kept
    assert all(count == 0 for count in row_counts(runtime).values())


def test_an_unknown_program_is_reported_with_the_other_mistakes(client: TestClient) -> None:
    response = client.post("/", data={**FORM, "email": "", "program": "no-such-program"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert 'id="program-error"' in response.text


def test_signing_up_for_the_check_in_pins_both_partners_to_it(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    response = client.post("/", data={**FORM, "program": "check-in",
                                      "partner_first_name": "Ben", "partner_email": BEN})
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert {partner(runtime, a).program_slug for a in (ANA, BEN)} == {"check-in"}
    send_due_now(runtime)
    assert client.post(confirm_path(smtp_sink.to(ANA)[-1])).status_code == 200
    clock.advance(timedelta(days=1))
    send_due_now(runtime)
    version_id, check_in = runtime.programs.current("check-in")
    assert partner(runtime, ANA).program_version_id == version_id
    first = smtp_sink.to(ANA)[-1]
    assert first.subject == check_in.stages[0].subject
    assert first.subject != runtime.programs.current()[1].stages[0].subject


def test_without_a_choice_the_default_program_is_used(client: TestClient,
                                                      runtime: Runtime) -> None:
    assert client.post("/", data=FORM).status_code == 200
    assert partner(runtime, ANA).program_slug == runtime.programs.default_slug


def test_with_a_single_program_no_choice_is_shown(client: TestClient, runtime: Runtime,
                                                  clock: ManualClock, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "program" / "main", tmp_path / "main")
    only_main = ProgramCatalog(tmp_path, "main")
    only_main.load(runtime.session_factory, clock.now())
    runtime.programs = only_main
    page = client.get("/?program=check-in")
    assert 'name="program"' not in page.text
    assert "Choose your program" not in page.text
    assert only_main.current()[1].description in page.text
    refused = client.post("/", data={**FORM, "program": "check-in"})
    assert refused.status_code == 422
    assert "That program is not available." in refused.text
    assert row_counts(runtime)["partners"] == 0


def test_starting_alone_is_the_choice_already_made(client: TestClient) -> None:
    page = client.get("/").text
    assert 'id="taking_part-alone" name="taking_part" value="alone" checked' in page


def test_starting_alone_signs_up_one_person(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={**FORM, "taking_part": "alone"})
    assert response.status_code == 200
    assert row_counts(runtime)["partners"] == 1


def test_choosing_alone_with_a_partner_named_is_explained_and_saves_nothing(
        client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={**FORM, "taking_part": "alone",
                                      "partner_email": BEN, "partner_first_name": "Ben"})
    assert response.status_code == 422
    assert 'id="taking_part-error"' in response.text
    assert "clear them, or choose to invite" in response.text
    assert row_counts(runtime)["signup_requests"] == 0


def test_choosing_to_invite_without_the_partners_details_names_both_fields(
        client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={**FORM, "taking_part": "together"})
    assert response.status_code == 422
    assert 'id="partner_first_name-error"' in response.text
    assert 'id="partner_email-error"' in response.text
    assert row_counts(runtime)["partners"] == 0


def test_choosing_to_invite_invites(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={**FORM, "taking_part": "together",
                                      "partner_email": BEN, "partner_first_name": "Ben"})
    assert response.status_code == 200
    assert partner(runtime, BEN).invited_by_id == partner(runtime, ANA).id


def test_an_unknown_choice_of_who_takes_part_is_refused(client: TestClient) -> None:
    response = client.post("/", data={**FORM, "taking_part": "everyone"})
    assert response.status_code == 422
    assert "start on your own or invite" in response.text



def test_the_discreet_choice_at_signup_is_kept_for_the_person(
        client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={
        "email": ANA, "first_name": "Ana", "timezone": "Europe/Lisbon", "send_hour": "8",
        "taking_part": "alone", "discreet": "yes"})
    assert response.status_code == 200
    wait_until(lambda: _enrolled(runtime, ANA))
    assert partner(runtime, ANA).discreet
    assert partner(runtime, ANA).role == "solo"


def _enrolled(runtime: Runtime, email: str) -> bool:
    with runtime.read_session() as session:
        return session.execute(select(Partner.id).where(Partner.email == email)).first() \
            is not None
