""""Email me my links" is rate-limited per client and per address, like signups but
counted apart from them, and the limit answers alike for any address."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reconnect.settings import Settings
from tests.support.flows import ANA


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"signup_limit_per_client": "5/hour",
                                            "signup_limit_per_email": "2/hour"})


def test_a_third_request_for_one_address_within_the_hour_is_asked_to_wait(
        client: TestClient) -> None:
    for _ in range(2):
        assert client.post("/my-link", data={"email": ANA}).status_code == 200
    refused = client.post("/my-link", data={"email": ANA})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_asking_for_links_uses_up_none_of_an_addresses_signups(client: TestClient) -> None:
    for _ in range(2):
        client.post("/my-link", data={"email": ANA})
    signup = client.post("/", data={"first_name": "Ana", "email": ANA,
                                    "timezone": "Europe/London", "send_hour": "8",
                                    "taking_part": "alone"})
    assert signup.status_code == 200


def test_the_limit_answers_an_unknown_address_as_it_answers_a_known_one(
        client: TestClient) -> None:
    answers = []
    for email in ("nobody@example.org", ANA):
        for _ in range(2):
            client.post("/my-link", data={"email": email})
        answers.append(client.post("/my-link", data={"email": email}))
    assert answers[0].status_code == answers[1].status_code == 429
    assert answers[0].text == answers[1].text
