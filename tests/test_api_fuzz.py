"""The API description tells the truth: requests generated from the OpenAPI schema (valid
and invalid, by schemathesis) never get a server error, and every status they get is one
the description lists for that route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from api.main import app as described
from api.main import create_app
from reconnect.runtime import Runtime
from tests.support.admin import ADMIN_TOKEN, BEARER

# Bounded, so `make test` stays quick; every route still gets varied and broken input.
EXAMPLES_PER_ROUTE = 12

# The description as the running API serves it at /api/openapi.json.
schema = schemathesis.openapi.from_dict(described.openapi())


@pytest.fixture
def fuzzed_app(runtime: Runtime) -> Iterator[FastAPI]:
    runtime.settings = runtime.settings.model_copy(update={"admin_token": ADMIN_TOKEN})
    app = create_app(runtime)
    with TestClient(app):  # the lifespan: programs, rate limiter, admin lockout
        yield app


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error_or_an_undocumented_status(
        case: schemathesis.Case[Any], fuzzed_app: FastAPI) -> None:
    case.operation.schema.app = fuzzed_app  # in-process: the ASGI transport
    case.call_and_validate(headers=BEARER, app=fuzzed_app,
                           checks=[not_a_server_error, status_code_conformance])


def test_the_description_names_the_admin_bearer_scheme_on_every_admin_route() -> None:
    described_schema = described.openapi()
    assert described_schema["components"]["securitySchemes"]["adminBearer"]["scheme"] == \
        "bearer"
    admin = {path: ops for path, ops in described_schema["paths"].items()
             if path.startswith("/api/v1/admin")}
    assert admin
    for operations in admin.values():
        for operation in operations.values():
            assert operation["security"] == [{"adminBearer": []}]
            assert {"401", "404", "413", "422", "429", "503"} <= set(operation["responses"])


def test_the_description_lists_the_link_statuses_and_form_bodies() -> None:
    paths = described.openapi()["paths"]
    assert {"400", "410"} <= set(paths["/reflect/{token}/{prompt_key}"]["post"]["responses"])
    assert {"401", "410"} <= set(paths["/api/v1/unsubscribe/{token}"]["post"]["responses"])
    form = paths["/preferences/{token}"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form
