"""What fault tests check: every due email arrived, and how many times; where each row is."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Delivery, DeliveryStatus, Partner
from reconnect.runtime import Runtime
from reconnect.sending.service import reap_stale
from tests.support.flows import signup_body
from tests.support.smtp import SmtpSink

S = DeliveryStatus
Statuses = dict[int, DeliveryStatus]


def sign_up_couples(client: TestClient, couples: int, first: int = 0) -> set[str]:
    """Signs up ``couples`` couples (a{i} invites b{i}, from i = first); returns their
    addresses, each of which is now due one confirmation email."""
    numbers = range(first, first + couples)
    for i in numbers:
        body = signup_body(email=f"a{i}@example.org", partner_email=f"b{i}@example.org")
        assert client.post("/api/v1/signups", json=body).status_code == 202
    return {f"{p}{i}@example.org" for i in numbers for p in "ab"}


def statuses(rt: Runtime) -> Statuses:
    with rt.read_session() as session:
        rows = session.execute(select(Delivery.id, Delivery.status)).all()
    return {row_id: status for row_id, status in rows}


def wait_for_rows(rt: Runtime, done: Callable[[Statuses], bool], timeout: float,
                  what: str) -> Statuses:
    """Polls the deliveries until ``done`` holds; on timeout says where the rows are."""
    deadline = time.monotonic() + timeout
    while True:
        found = statuses(rt)
        if done(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s; rows are "
                                 f"{dict(Counter(s.value for s in found.values()))}")
        time.sleep(0.05)


def all_in(*wanted: DeliveryStatus) -> Callable[[Statuses], bool]:
    return lambda found: bool(found) and all(s in wanted for s in found.values())


def wait_until_settled(rt: Runtime, sink: SmtpSink, quiet: float, timeout: float) -> Statuses:
    """Waits until neither the rows nor the sink have changed for ``quiet`` seconds: the
    workers have done all they will do without a reaper or a dispatcher."""
    deadline = time.monotonic() + timeout
    last = (statuses(rt), len(sink.messages))
    since = time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries still moving after {timeout:.0f}s")
        time.sleep(0.05)
        now = (statuses(rt), len(sink.messages))
        if now != last:
            last, since = now, time.monotonic()
    return last[0]


def copies(sink: SmtpSink) -> Counter[str]:
    """How many messages each address received."""
    return Counter(address for message in sink.messages for address in message.rcpt)


def assert_each_arrived_once(sink: SmtpSink, expected: set[str]) -> None:
    received = copies(sink)
    assert set(received) == expected, f"missing {expected - set(received)}"
    assert {a: n for a, n in received.items() if n > 1} == {}
    message_ids = Counter(str(m.message["Message-ID"]) for m in sink.messages)
    assert all(count == 1 for count in message_ids.values())


def addresses_of(rt: Runtime, delivery_ids: Iterable[int]) -> set[str]:
    with rt.read_session() as session:
        return set(session.execute(
            select(Partner.email).join(Delivery, Delivery.partner_id == Partner.id)
            .where(Delivery.id.in_(list(delivery_ids)))).scalars())


def reap_after_claim_timeout(rt: Runtime, clock: ManualClock) -> int:
    """Runs the reaper as it would run one claim timeout from now (the worker processes
    stamp claims with the system clock)."""
    clock.set(datetime.now(UTC) + timedelta(seconds=rt.settings.claim_timeout_seconds + 1))
    return reap_stale(rt)
