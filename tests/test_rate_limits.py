"""Signups are rate-limited per client and per address, in Redis, answering 429."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from limits import parse

from api.main import create_app
from reconnect.ratelimit import ResilientLimiter
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.flows import signup_body


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"signup_limit_per_client": "5/hour",
                                            "signup_limit_per_email": "2/hour"})


@pytest.fixture
def limited(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def test_one_address_cannot_be_mail_bombed(limited: TestClient) -> None:
    body = signup_body(partner_email=None, partner_first_name=None)
    assert [limited.post("/api/v1/signups", json=body).status_code for _ in range(3)] == \
        [202, 202, 429]


def test_a_rate_limited_answer_says_when_to_retry(limited: TestClient) -> None:
    body = signup_body(partner_email=None, partner_first_name=None)
    for _ in range(2):
        limited.post("/api/v1/signups", json=body)
    response = limited.post("/api/v1/signups", json=body)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert response.json()["error"] == "rate_limited"


def test_one_client_cannot_sign_up_many_addresses(limited: TestClient) -> None:
    codes = [limited.post("/api/v1/signups", json=signup_body(
        email=f"person{i}@example.org", partner_email=None, partner_first_name=None)
    ).status_code for i in range(6)]
    assert codes == [202] * 5 + [429]


def test_the_signup_page_is_limited_too(limited: TestClient) -> None:
    form = {"email": "ana@example.org", "first_name": "Ana", "timezone": "Europe/London",
            "send_hour": "8"}
    codes = [limited.post("/", data=form).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_simultaneous_signups_for_one_address_never_pass_its_limit(
        limited: TestClient) -> None:
    body = signup_body(partner_email=None, partner_first_name=None)
    codes: list[int] = []
    start = threading.Barrier(8)

    def post() -> None:
        start.wait()
        codes.append(limited.post("/api/v1/signups", json=body).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202, 202] + [429] * 6


@pytest.mark.usefixtures("runtime")  # a clean Redis
def test_a_refused_limit_leaves_the_later_ones_uncounted(settings: Settings) -> None:
    limiter = ResilientLimiter(str(settings.redis_url), "test")
    full, roomy = parse("1/hour"), parse("1/hour")
    assert limiter.hit_all([(full, ("a",)), (roomy, ("b",))]) is None
    assert limiter.hit_all([(full, ("a",)), (roomy, ("c",))]) == 0
    # "c" was never counted, so its one hit is still there.
    assert limiter.hit_all([(roomy, ("c",))]) is None
    assert 0 < limiter.retry_after(full, "a") <= 3600
