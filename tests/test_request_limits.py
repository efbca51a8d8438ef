"""A stranger's limits: bodies over the cap are refused before anything parses them, and
ids outside what the database can hold are no partner at all, never a server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BEARER
from tests.support.flows import row_counts, signup_body

CAP = 65_536


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN})


def _chunks(total: int, size: int = 16_384) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_json_body_over_the_cap_gets_413_in_json_and_saves_nothing(
        client: TestClient, runtime: Runtime) -> None:
    body = signup_body(first_name="A" * (CAP + 1))
    response = client.post("/api/v1/signups", json=body)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert "64 KB" in response.json()["message"]
    assert all(count == 0 for count in row_counts(runtime).values())


def test_a_form_over_the_cap_gets_a_413_page(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/", data={"email": "x" * (CAP + 10)})
    assert response.status_code == 413
    assert "too much to send" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert all(count == 0 for count in row_counts(runtime).values())


def test_a_multipart_body_over_the_cap_gets_413(client: TestClient) -> None:
    response = client.post("/", files={"email": ("a.txt", b"x" * (CAP + 10))})
    assert response.status_code == 413


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(client: TestClient) -> None:
    response = client.post("/api/v1/signups", content=_chunks(10 * CAP),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


def test_a_declared_length_over_the_cap_is_refused_unread(client: TestClient) -> None:
    response = client.post("/api/v1/signups", content=_chunks(CAP + 1),
                           headers={"content-type": "application/json",
                                    "content-length": str(200 * 1024 * 1024)})
    assert response.status_code == 413


def test_a_body_just_under_the_cap_is_read_and_judged_on_its_fields(
        client: TestClient) -> None:
    body = '{"email": "' + "a" * (CAP - 200) + '"}'
    response = client.post("/api/v1/signups", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "email" in response.json()["fields"]


@pytest.mark.parametrize("partner_id", ["0", "-1", str(2**63), str(2**64 + 7), "9" * 40])
@pytest.mark.parametrize(("method", "suffix"), [
    ("POST", "/pause"), ("POST", "/resume"), ("POST", "/suppress"), ("GET", "/export"),
    ("DELETE", ""),
])
def test_an_admin_id_outside_the_64_bit_range_is_refused_not_a_server_error(
        client: TestClient, partner_id: str, method: str, suffix: str) -> None:
    response = client.request(method, f"/api/v1/admin/partners/{partner_id}{suffix}",
                              headers=BEARER)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_failed"


def test_the_largest_64_bit_id_is_simply_no_partner(client: TestClient) -> None:
    response = client.post(f"/api/v1/admin/partners/{2**63 - 1}/pause", headers=BEARER)
    assert response.status_code == 404
