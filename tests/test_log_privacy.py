"""Reflections are sensitive: no address or reflection text ever reaches the logs."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.flows import ANA, BEN, deliver_due, sign_up_and_confirm
from tests.support.links import reflect_paths, unsubscribe_path
from tests.support.smtp import SmtpSink

SECRET_NOTE = "a private sentence about my marriage"


@pytest.mark.usefixtures("worker")
def test_nothing_a_partner_wrote_or_their_address_is_logged(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sign_up_and_confirm(client, runtime, smtp_sink)
    clock.advance(timedelta(days=1))
    welcome = next(m for m in deliver_due(runtime, smtp_sink, 2) if m.to == ANA)
    _, program = runtime.programs.current()
    prompt = next(p for p in program.stages[0].prompts if p.free_text)
    path = urlsplit(next(p for p in reflect_paths(welcome) if f"/{prompt.key}?" in p)).path
    client.post(path, data={"answer": prompt.answers[0][0], "note": SECRET_NOTE})
    client.post(unsubscribe_path(welcome))
    # "mail.log" is the test's own SMTP server, standing in for the remote mail host.
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert caplog.records
    for secret in (ANA, BEN, SECRET_NOTE):
        assert secret not in logged
