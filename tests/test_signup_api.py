"""POST /api/v1/signups: double opt-in, identical answers, and bad input that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from reconnect.models import PartnerStatus
from reconnect.runtime import NullSender, Runtime
from tests.support.flows import ANA, BEN, deliver_due, partner, row_counts, signup_body
from tests.support.smtp import SmtpSink


def test_signup_is_accepted_without_enrolling_anyone(client: TestClient,
                                                     runtime: Runtime) -> None:
    response = client.post("/api/v1/signups", json=signup_body())
    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    assert partner(runtime, ANA).status is PartnerStatus.PENDING
    assert partner(runtime, BEN).status is PartnerStatus.PENDING


@pytest.mark.usefixtures("worker")
def test_each_address_gets_its_own_confirmation_email(client: TestClient, runtime: Runtime,
                                                      smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json=signup_body())
    messages = {m.to: m for m in deliver_due(runtime, smtp_sink, 2, since=0)}
    assert set(messages) == {ANA, BEN}
    assert "confirm" in messages[ANA].subject.lower()
    assert messages[BEN].subject == "An invitation to Reconnect"
    assert "Ana" in messages[BEN].text
    assert "/confirm/" in messages[BEN].text


def test_the_answer_is_the_same_for_a_known_address(client: TestClient) -> None:
    first = client.post("/api/v1/signups", json=signup_body())
    again = client.post("/api/v1/signups", json=signup_body())
    assert (again.status_code, again.json()) == (first.status_code, first.json())


@pytest.mark.usefixtures("worker")
def test_a_known_address_is_never_moved_into_another_couple(client: TestClient,
                                                            runtime: Runtime) -> None:
    client.post("/api/v1/signups", json=signup_body())
    couple = partner(runtime, BEN).couple_id
    client.post("/api/v1/signups", json=signup_body(email="eve@example.org",
                                                    first_name="Eve", partner_email=BEN))
    assert partner(runtime, BEN).couple_id == couple
    assert partner(runtime, BEN).invited_by_id == partner(runtime, ANA).id


@pytest.mark.parametrize(("overrides", "field"), [
    ({"email": "not-an-address"}, "email"),
    ({"email": "ana@localhost"}, "email"),
    ({"email": "ana@example.org\r\nBcc: x@example.org"}, "email"),
    ({"email": "a" * 250 + "@example.org"}, "email"),
    ({"email": "josé@example.org"}, "email"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"send_hour": 24}, "send_hour"),
    ({"send_hour": -1}, "send_hour"),
    ({"send_hour": "seven"}, "send_hour"),
    ({"first_name": ""}, "first_name"),
    ({"first_name": "A" * 61}, "first_name"),
    ({"first_name": "Ana\r\nBcc: x@example.org"}, "first_name"),
    ({"first_name": "=?utf-8?q?Admin?="}, "first_name"),
    ({"first_name": "<script>"}, "first_name"),
    ({"partner_email": ANA}, "partner_email"),
    ({"partner_first_name": None}, "partner_first_name"),
    ({"partner_email": None}, "partner_email"),
    ({"unexpected": "field"}, "unexpected"),
])
def test_bad_input_gets_422_naming_the_field_and_writes_nothing(
        client: TestClient, runtime: Runtime, overrides: dict[str, Any], field: str) -> None:
    response = client.post("/api/v1/signups", json=signup_body(**overrides))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert field in body["fields"], body
    assert all(count == 0 for count in row_counts(runtime).values())


def test_malformed_json_gets_a_clear_422(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/api/v1/signups", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in str(response.json()["fields"])
    assert all(count == 0 for count in row_counts(runtime).values())


def test_a_body_that_is_not_an_object_gets_a_clear_422(client: TestClient) -> None:
    response = client.post("/api/v1/signups", json=["ana@example.org"])
    assert response.status_code == 422
    assert response.json()["fields"]


def test_missing_fields_are_each_listed(client: TestClient) -> None:
    response = client.post("/api/v1/signups", json={})
    assert response.status_code == 422
    assert {"email", "first_name", "timezone", "send_hour"} <= set(response.json()["fields"])


def test_an_unknown_program_is_refused(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/api/v1/signups", json=signup_body(program="no-such-program"))
    assert response.status_code == 422
    assert "program" in response.json()["fields"]
    assert all(count == 0 for count in row_counts(runtime).values())


@pytest.mark.parametrize(("chosen", "pinned"), [(None, "main"), ("main", "main"),
                                               ("check-in", "check-in")])
def test_a_chosen_program_applies_to_both_partners_and_defaults_to_main(
        client: TestClient, runtime: Runtime, chosen: str | None, pinned: str) -> None:
    response = client.post("/api/v1/signups", json=signup_body(program=chosen))
    assert response.status_code == 202
    assert partner(runtime, ANA).program_slug == pinned
    assert partner(runtime, BEN).program_slug == pinned


def test_an_international_domain_is_stored_in_its_ascii_form(
        client: TestClient, runtime: Runtime) -> None:
    client.post("/api/v1/signups", json=signup_body(email="anna@münchen.de",
                                                    partner_email=None,
                                                    partner_first_name=None))
    assert partner(runtime, "anna@xn--mnchen-3ya.de").first_name == "Ana"


def test_addresses_are_normalised_so_case_does_not_create_a_second_partner(
        client: TestClient, runtime: Runtime) -> None:
    client.post("/api/v1/signups", json=signup_body(email="Ana@Example.ORG",
                                                    partner_email=None,
                                                    partner_first_name=None))
    client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                    partner_first_name=None))
    assert row_counts(runtime)["partners"] == 1


def test_a_signup_survives_the_job_queue_being_down(runtime: Runtime) -> None:
    class Down:
        def send(self, name: str, args: tuple[int, ...], countdown: float = 0.0) -> None:
            raise ConnectionError("redis is down")

    from reconnect.signups.schemas import SignupRequest
    from reconnect.signups.service import sign_up

    runtime.sender = Down()
    with runtime.unit_of_work() as uow:
        sign_up(uow, runtime, SignupRequest.model_validate(signup_body()))
    assert row_counts(runtime)["deliveries"] == 2


def _statements_receiving(runtime: Runtime, body: dict[str, Any]) -> list[str]:
    from sqlalchemy import event

    from reconnect.signups.schemas import SignupRequest
    from reconnect.signups.service import receive

    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    sender, runtime.sender = runtime.sender, NullSender()  # processing is not receiving
    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        with runtime.unit_of_work() as uow:
            receive(uow, runtime, SignupRequest.model_validate(body))
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
        runtime.sender = sender
    return seen


def test_receiving_a_signup_does_the_same_work_whether_or_not_the_address_is_known(
        client: TestClient, runtime: Runtime) -> None:
    """Nothing about who is enrolled can show in the answer's timing: the request writes
    one row and looks nothing up; bench/signup_timing.py measures the latency itself."""
    client.post("/api/v1/signups", json=signup_body())  # Ana and Ben are known now
    known = _statements_receiving(runtime, signup_body())
    unknown = _statements_receiving(runtime, signup_body(email="new@example.org",
                                                         partner_email="new2@example.org"))
    assert known == unknown
    assert not any(s.lstrip().upper().startswith("SELECT") for s in known)
