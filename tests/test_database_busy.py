"""A database too busy to answer in time (a lock held elsewhere past the lock timeout)
gets a friendly 503 with Retry-After, never a 500, and nothing half-written stays."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from reconnect.clock import ManualClock
from reconnect.db.engine import make_engine
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.flows import ANA, first_stage_email, partner, row_counts, signup_body
from tests.support.links import unsubscribe_path
from tests.support.smtp import SmtpSink


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"db_lock_timeout_seconds": 0.5})


@contextmanager
def _held_elsewhere(runtime: Runtime, partner_id: int) -> Iterator[None]:
    """Another process's transaction holding what the request needs: the partner's row
    on Postgres, the file's write lock on SQLite."""
    engine = make_engine(runtime.settings.database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT id FROM partners WHERE id = :id FOR UPDATE"),
                             {"id": partner_id})
            else:
                conn.execute(text("UPDATE partners SET nudges = nudges WHERE id = :id"),
                             {"id": partner_id})
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_a_lock_held_past_the_timeout_gets_a_friendly_503_page(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    link = unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock))
    ana = partner(runtime, ANA)
    with _held_elsewhere(runtime, ana.id):
        response = client.post(link)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "try again in a moment" in response.text.lower()
    assert partner(runtime, ANA).status is ana.status


def test_the_json_api_says_busy_in_json(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    link = unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock))
    ana = partner(runtime, ANA)
    with _held_elsewhere(runtime, ana.id):
        response = client.post(f"/api/v1/unsubscribe/{link.rsplit('/', 1)[1]}")
    assert response.status_code == 503
    assert response.json()["error"] == "busy"
    assert int(response.headers["retry-after"]) > 0


def test_once_the_lock_is_gone_the_same_request_succeeds(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    link = unsubscribe_path(first_stage_email(client, runtime, smtp_sink, clock))
    with _held_elsewhere(runtime, partner(runtime, ANA).id):
        assert client.post(link).status_code == 503
    assert client.post(link).status_code == 200


def test_a_signup_refused_while_busy_leaves_nothing_behind(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    first_stage_email(client, runtime, smtp_sink, clock)
    before = row_counts(runtime)
    engine = make_engine(runtime.settings.database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE signup_requests IN EXCLUSIVE MODE"))
            else:
                conn.execute(text("UPDATE partners SET nudges = nudges"))
            response = client.post("/api/v1/signups", json=signup_body(email="cy@example.org"))
            conn.rollback()
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert row_counts(runtime) == before
