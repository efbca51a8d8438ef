"""Every response, whatever route and whatever status, carries the headers that keep what
a link leads to out of caches, search engines, frames and Referer headers, and lets pages
run only our own script and style."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BEARER
from tests.support.flows import first_stage_email
from tests.support.links import links, path_of
from tests.support.routes import api_routes
from tests.support.smtp import SmtpSink

SAMPLE_PARAMS = {"token": "not-a-token.x", "prompt_key": "connection", "partner_id": "1",
                 "slug": "main", "stage_key": "welcome", "name": "nothing.eml", "step": "1"}


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN,
                                            "outbox_enabled": True})


def _checked(response: Response, path: str) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["referrer-policy"] == "no-referrer", path
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp, path
    script = re.search(r"script-src ([^;]*)", csp)
    assert script is not None, path
    if path != "/api/docs":  # Swagger UI, as FastAPI serves it, needs its inline script
        assert "'unsafe-inline'" not in script.group(1), path
    if not path.startswith("/static/"):
        assert headers["cache-control"] == "no-store", path
    if path not in ("/", "/static/app.css"):
        assert "noindex" in headers.get("x-robots-tag", ""), path


def test_every_route_answers_with_the_headers_whatever_its_status(
        client: TestClient) -> None:
    seen = 0
    for route in api_routes(client.app):  # type: ignore[arg-type]
        path = route.path
        for name, value in SAMPLE_PARAMS.items():
            path = path.replace(f"{{{name}}}", value)
        assert "{" not in path, route.path
        for method in sorted(route.methods - {"HEAD"}):
            _checked(client.request(method, path, headers=BEARER), route.path)
            seen += 1
    assert seen > 40


def test_pages_reached_by_a_real_link_carry_them_too(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    email = first_stage_email(client, runtime, smtp_sink, clock)
    for url in links(email):
        if url.startswith(runtime.settings.base_url):
            response = client.get(path_of(url))
            assert response.status_code == 200, url
            _checked(response, path_of(url))


def test_errors_from_outside_any_route_carry_them(client: TestClient) -> None:
    _checked(client.get("/no/such/page"), "/no/such/page")
    _checked(client.post("/api/v1/signups", content=b"x" * 70_000,
                         headers={"content-type": "application/json"}), "/api/v1/signups")


def test_pages_load_their_script_and_style_as_files_that_exist(client: TestClient) -> None:
    page = client.get("/").text
    assert "<style" not in page
    assert "<script>" not in page
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert "immutable" in response.headers["cache-control"]
        _checked(response, "/static/app.css")


def test_the_signup_page_may_be_found_but_not_kept(client: TestClient) -> None:
    response = client.get("/")
    assert "x-robots-tag" not in response.headers
    assert response.headers["cache-control"] == "no-store"
