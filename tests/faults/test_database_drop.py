"""The worker's database connections are dropped (pg_terminate_backend, as a failover or
an idle-connection killer would) in the middle of a batch: nothing is lost, and an email
the relay accepted is recorded on a fresh connection rather than sent again."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, select, text

from reconnect.clock import ManualClock
from reconnect.models import Delivery
from reconnect.runtime import Runtime
from reconnect.sending.service import dispatch_due
from tests.support.delivery_checks import (
    S,
    addresses_of,
    all_in,
    assert_each_arrived_once,
    copies,
    reap_after_claim_timeout,
    sign_up_couples,
    wait_for_rows,
    wait_until_settled,
)
from tests.support.processes import WORKER_APPLICATION_NAME, Workers
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("postgres_only")]

# The worker processes' backends (named through the connection URL), never this one's.
_DROP_WORKER_CONNECTIONS = text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND application_name = :name")
_WORKER_WAITING_ON_A_LOCK = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND application_name = :name AND wait_event_type = 'Lock'")


@pytest.fixture
def postgres_only(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("dropping a worker's connections needs PostgreSQL's "
                    "pg_terminate_backend; SQLite has no server connections to drop")


def _worker_database_url(rt: Runtime) -> str:
    """The test database, with connections named so the test can find and drop them."""
    url = make_url(rt.settings.database_url)
    return url.update_query_dict({"application_name": WORKER_APPLICATION_NAME}) \
        .render_as_string(hide_password=False)


def _drop_worker_connections(engine: Engine) -> int:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        dropped = conn.execute(_DROP_WORKER_CONNECTIONS,
                               {"name": WORKER_APPLICATION_NAME}).all()
    return len(dropped)


def _worker_waiting_on_a_lock(engine: Engine) -> set[int]:
    """The worker backends blocked behind a row lock."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return set(conn.execute(_WORKER_WAITING_ON_A_LOCK,
                                {"name": WORKER_APPLICATION_NAME}).scalars())


def test_a_connection_dropped_while_recording_a_sent_email_is_retried_and_sends_nothing_twice(
        client: TestClient, dispatcher: Runtime, smtp_sink: SmtpSink, workers: Workers) -> None:
    expected = sign_up_couples(client, 5)
    smtp_sink.handler.delay = 0.3
    workers.start(dispatcher.settings, database_url=_worker_database_url(dispatcher))
    ids = dispatch_due(dispatcher)
    target = ids[3]  # a batch is sent in id order: this is the fourth message
    engine = dispatcher.engine
    wait_for_rows(dispatcher, lambda found: found[target] is S.SENDING, timeout=20,
                  what="the batch taken")

    # Holding the row's lock stops the worker inside the transaction that records the
    # relay's "250", with its connection busy: that is where the connection is dropped.
    with dispatcher.session_factory() as blocker:
        status = blocker.execute(select(Delivery.status).where(Delivery.id == target)
                                 .with_for_update()).scalar_one()
        assert status is S.SENDING
        wait_until(lambda: bool(_worker_waiting_on_a_lock(engine)), timeout=20)
        [recording] = _worker_waiting_on_a_lock(engine)
        assert _drop_worker_connections(engine) >= 1
        # The worker records again on a new connection, which now waits for the lock.
        wait_until(lambda: bool(_worker_waiting_on_a_lock(engine) - {recording}), timeout=20)
        assert smtp_sink.to(addresses_of(dispatcher, [target]).pop())
        blocker.rollback()

    wait_for_rows(dispatcher, all_in(S.SENT), timeout=20, what="all recorded as sent")
    assert_each_arrived_once(smtp_sink, expected)
    with dispatcher.read_session() as session:
        attempts = session.execute(select(Delivery.attempts).where(Delivery.id == target))
        assert attempts.scalar_one() == 1


WORKER_CHILDREN = 2  # the worker runs with --concurrency 2


def test_connections_dropped_again_and_again_mid_batch_lose_nothing(
        client: TestClient, dispatcher: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        workers: Workers) -> None:
    expected = sign_up_couples(client, 15)  # 30 emails: both worker children busy
    smtp_sink.handler.delay = 0.05
    workers.start(dispatcher.settings, database_url=_worker_database_url(dispatcher))
    dispatch_due(dispatcher)
    smtp_sink.wait_count(3, timeout=20)
    dropped = 0
    until = time.monotonic() + 1.0
    while time.monotonic() < until:
        dropped += _drop_worker_connections(dispatcher.engine)
        time.sleep(0.02)
    assert dropped, "the worker should have had connections to drop"

    # What the worker could not record or start stays claimed or sending; the reaper
    # hands it back one claim timeout later.
    settled = wait_until_settled(dispatcher, smtp_sink, quiet=1.0, timeout=30)
    # The window: the relay has the message, but "sent" could not be recorded.
    window = addresses_of(dispatcher, [i for i, s in settled.items() if s is S.SENDING]) \
        & set(copies(smtp_sink))
    reap_after_claim_timeout(dispatcher, clock)
    dispatch_due(dispatcher)
    wait_for_rows(dispatcher, all_in(S.SENT), timeout=20, what="all sent after the reaper")

    received = copies(smtp_sink)
    assert set(received) == expected  # nothing lost
    # A second copy only for a row whose "sent" could not be recorded (the window), and
    # at most one per worker child: each records a send before it starts the next.
    duplicated = {a for a, n in received.items() if n > 1}
    assert duplicated <= window
    assert len(duplicated) <= WORKER_CHILDREN
    if not window:
        assert_each_arrived_once(smtp_sink, expected)
