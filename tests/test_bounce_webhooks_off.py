"""A relay's webhook is off until its credential is set."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("provider", ["ses", "postmark", "mailgun", "sendgrid"])
def test_a_webhook_without_its_credential_answers_404(client: TestClient,
                                                      provider: str) -> None:
    answer = client.post(f"/api/v1/webhooks/{provider}", content=b"{}")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
