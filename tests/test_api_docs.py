"""The interactive API docs: served while developing, off in production unless asked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from reconnect.runtime import Runtime
from reconnect.settings import Environment


@pytest.mark.parametrize(("env", "api_docs", "served"), [
    (Environment.TEST, None, True),
    (Environment.PRODUCTION, None, False),
    (Environment.PRODUCTION, True, True),
    (Environment.TEST, False, False),
])
def test_the_docs_follow_the_mode_and_the_setting(runtime: Runtime, env: Environment,
                                                  api_docs: bool | None, served: bool) -> None:
    runtime.settings = runtime.settings.model_copy(update={"env": env, "api_docs": api_docs})
    with TestClient(create_app(runtime)) as client:
        for path in ("/api/docs", "/api/openapi.json"):
            assert (client.get(path).status_code == 200) is served, path
