"""A worker process killed mid-batch (SIGKILL: no cleanup at all) loses nothing."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.sending.service import dispatch_due
from tests.support.delivery_checks import (
    S,
    addresses_of,
    all_in,
    copies,
    reap_after_claim_timeout,
    sign_up_couples,
    statuses,
    wait_for_rows,
)
from tests.support.processes import Workers
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.timeout(60)

COUPLES = 15  # 30 confirmation emails: two deliver jobs, one per worker child
CHILDREN = 2
DELAY = 0.15  # seconds the sink takes per message, so the kill lands mid-batch


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_it_was_handing_over(
        client: TestClient, dispatcher: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        workers: Workers) -> None:
    expected = sign_up_couples(client, COUPLES)
    smtp_sink.handler.delay = DELAY
    first = workers.start(dispatcher.settings, concurrency=CHILDREN)
    dispatch_due(dispatcher)
    smtp_sink.wait_count(5, timeout=20)
    first.kill()
    sending_at_kill = [i for i, s in statuses(dispatcher).items() if s is S.SENDING]
    time.sleep(DELAY + 0.5)  # the sink finishes taking what was handed over at the kill
    # The window: the relay has the message, the row still says "sending". Each child
    # hands over one message at a time.
    window = addresses_of(dispatcher, sending_at_kill) & set(copies(smtp_sink))
    assert len(window) <= CHILDREN

    smtp_sink.handler.delay = 0.0
    workers.start(dispatcher.settings)
    # The reaper, one claim timeout later, hands abandoned rows back to the queue.
    reap_after_claim_timeout(dispatcher, clock)
    dispatch_due(dispatcher)
    wait_for_rows(dispatcher, all_in(S.SENT), timeout=30, what="all sent after the kill")

    received = copies(smtp_sink)
    assert set(received) == expected  # nothing lost
    # Only a message in the window arrives twice (docs/delivery.md, "The one duplicate
    # window"), and only twice.
    assert {address for address, count in received.items() if count > 1} <= window
    assert max(received.values()) <= 2
