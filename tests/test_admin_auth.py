"""The admin credential: only the exact token opens the admin API and dashboard; near
misses a timing attacker would probe are refused like any wrong token, compared over
fixed-length digests; repeated failures lock the client out for a while, even with the
right token; with no token configured, admin does not exist."""

from __future__ import annotations

import hmac
import logging
import time
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from reconnect.admin.lockout import FAILURE_LIMIT, tokens_match
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BASIC, BEARER, basic
from tests.support.flows import row_counts

API = "/api/v1/admin/queue"
PAGE = "/admin"
LAST_CHANGED = ADMIN_TOKEN[:-1] + ("A" if ADMIN_TOKEN[-1] != "A" else "B")

REFUSED = {
    "missing": {},
    "empty bearer": {"Authorization": "Bearer "},
    "wrong": {"Authorization": "Bearer not-the-admin-token-at-all-0000"},
    "last character differs": {"Authorization": f"Bearer {LAST_CHANGED}"},
    "first character differs": {"Authorization": f"Bearer x{ADMIN_TOKEN[1:]}"},
    "prefix": {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"},
    "half": {"Authorization": f"Bearer {ADMIN_TOKEN[:len(ADMIN_TOKEN) // 2]}"},
    "extra characters": {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    "trailing space inside": {"Authorization": f"Bearer {ADMIN_TOKEN} x"},
    "upper case": {"Authorization": f"Bearer {ADMIN_TOKEN.upper()}"},
    "lower case": {"Authorization": f"Bearer {ADMIN_TOKEN.lower()}"},
    "basic, wrong password": basic("ops", "not-the-admin-token"),
    "basic, token as user name": basic(ADMIN_TOKEN, "x"),
    "basic, empty password": basic("ops", ""),
    "basic, not base64": {"Authorization": "Basic %%%"},
    "other scheme": {"Authorization": f"Token {ADMIN_TOKEN}"},
    "no scheme": {"Authorization": ADMIN_TOKEN},
}


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN})


@pytest.mark.parametrize("path", [API, PAGE])
@pytest.mark.parametrize("name", list(REFUSED))
def test_anything_but_the_exact_token_is_refused(client: TestClient, path: str,
                                                 name: str) -> None:
    refused = client.get(path, headers=REFUSED[name])
    assert refused.status_code == 401
    assert ADMIN_TOKEN not in refused.text
    if path == API:
        assert refused.json()["error"] == "unauthorized"
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Reconnect admin"'
    else:  # a browser asks for the password
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="Reconnect admin"'


@pytest.mark.parametrize("path", [API, PAGE])
def test_the_right_bearer_token_opens(client: TestClient, path: str) -> None:
    assert client.get(path, headers=BEARER).status_code == 200
    assert client.get(path, headers={"Authorization": f"bearer   {ADMIN_TOKEN}  "}) \
        .status_code == 200


def test_a_browser_reads_the_admin_pages_with_the_token_as_its_password(
        client: TestClient) -> None:
    assert client.get(PAGE, headers=BASIC).status_code == 200


@pytest.mark.parametrize("path", [API, "/metrics"])
def test_the_api_and_metrics_take_no_password_a_browser_remembers(client: TestClient,
                                                                   path: str) -> None:
    assert client.get(path, headers=BASIC).status_code == 401


def test_another_sites_page_cannot_make_a_signed_in_browser_act(client: TestClient) -> None:
    # The browser would add the remembered Basic credentials to a form post from anywhere.
    before = row_counts(client.app.state.runtime)  # type: ignore[attr-defined]
    forged = client.post("/api/v1/admin/partners/1/suppress", headers=BASIC)
    assert forged.status_code == 401
    assert row_counts(client.app.state.runtime) == before  # type: ignore[attr-defined]


def test_tokens_are_compared_as_fixed_length_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a timing attacker probes (a prefix, one character off, longer, shorter) all
    reach the constant-time comparison as two 32-byte digests: neither the position of
    the first difference nor either length can show in the time taken."""
    seen: list[tuple[int, int]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((len(a), len(b)))
        return original(a, b)

    monkeypatch.setattr("reconnect.admin.lockout.hmac.compare_digest", spy)
    probes = ["", "a", ADMIN_TOKEN[:-1], LAST_CHANGED, ADMIN_TOKEN + "x" * 100,
              ADMIN_TOKEN.upper(), "é" * 40]
    assert [tokens_match(p, ADMIN_TOKEN) for p in probes] == [False] * len(probes)
    assert tokens_match(ADMIN_TOKEN, ADMIN_TOKEN)
    assert seen == [(32, 32)] * (len(probes) + 1)


def _limit() -> int:
    return FAILURE_LIMIT.amount


def test_failures_beyond_the_limit_lock_the_client_out_even_with_the_right_token(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    wrong = REFUSED["last character differs"]
    for _ in range(_limit()):
        assert client.get(API, headers=wrong).status_code == 401
    for path, headers in ((API, wrong), (API, BEARER), (PAGE, BASIC), (PAGE, {})):
        locked = client.get(path, headers=headers)
        assert locked.status_code == 429, (path, headers)
        assert 590 <= int(locked.headers["Retry-After"]) <= 600
    body = client.get(API, headers=BEARER).json()
    assert body["error"] == "rate_limited"
    assert body["retry_after"] > 0
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "admin sign-in failed: wrong token" in logged
    assert ADMIN_TOKEN not in logged
    assert LAST_CHANGED not in logged


def test_the_lockout_ends_when_the_window_passes(client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(_limit()):
        client.get(API, headers=REFUSED["wrong"])
    assert client.get(API, headers=BEARER).status_code == 429
    # The moving window is kept by timestamps the client writes; ten minutes on:
    later = time.time() + FAILURE_LIMIT.get_expiry() + 1
    monkeypatch.setattr("limits.storage.redis.time", SimpleNamespace(time=lambda: later))
    assert client.get(API, headers=BEARER).status_code == 200


def test_right_tokens_and_missing_credentials_do_not_count(client: TestClient) -> None:
    for _ in range(3 * _limit()):
        assert client.get(API, headers=BEARER).status_code == 200
        assert client.get(PAGE).status_code == 401  # a browser's first request
    for _ in range(_limit() - 1):
        client.get(API, headers=REFUSED["wrong"])
    assert client.get(API, headers=BEARER).status_code == 200


def test_the_count_is_per_client(client: TestClient, runtime: Runtime) -> None:
    for _ in range(_limit()):
        client.get(API, headers=REFUSED["wrong"])
    assert client.get(API, headers=BEARER).status_code == 429
    with TestClient(client.app, client=("192.0.2.7", 50000)) as other:
        assert other.get(API, headers=BEARER).status_code == 200


ADMIN_ROUTES = [("GET", "/admin"), ("GET", "/api/v1/admin/partners?email=a@example.org"),
                ("POST", "/api/v1/admin/partners/1/pause"),
                ("POST", "/api/v1/admin/partners/1/resume"),
                ("POST", "/api/v1/admin/partners/1/resend"),
                ("POST", "/api/v1/admin/partners/1/suppress"),
                ("GET", "/api/v1/admin/partners/1/export"),
                ("DELETE", "/api/v1/admin/partners/1"),
                ("GET", "/api/v1/admin/stats/funnel"), ("GET", "/api/v1/admin/queue")]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_every_admin_route_needs_the_token(client: TestClient, method: str,
                                           path: str) -> None:
    refused = client.request(method, path, headers=REFUSED["prefix"])
    assert refused.status_code == 401


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_without_an_admin_token_admin_does_not_exist(client: TestClient, runtime: Runtime,
                                                     method: str, path: str) -> None:
    runtime.settings = runtime.settings.model_copy(update={"admin_token": None})
    assert client.request(method, path, headers=BEARER).status_code == 404
