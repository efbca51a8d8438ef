"""The signup page: a form that works without JavaScript and says what is wrong, where."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from reconnect.runtime import Runtime
from tests.support.flows import row_counts

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
