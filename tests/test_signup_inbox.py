"""Signups and link requests wait in their inbox until a wake-up job takes them: one job
for a burst, every request processed exactly once, a bad one left for the sweep."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis
from celery import Celery
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reconnect import jobs
from reconnect.models import LinkRequest, Partner, SignupRequest
from reconnect.partners import notices
from reconnect.partners.notice_repository import LinkInbox
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from reconnect.signups import service as signups
from reconnect.signups.inbox import SignupInbox
from reconnect.signups.schemas import SignupRequest as Signup
from tasks import tasks, wake_ups
from tasks.celery_app import CelerySender, make_celery
from tests.support.flows import ANA, partner, signup_body, signups_settled
from tests.support.wait import wait_until


def _waiting(rt: Runtime, model: type[SignupRequest] | type[LinkRequest]) -> int:
    with rt.read_session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _emails(rt: Runtime) -> list[str]:
    with rt.read_session() as session:
        return list(session.execute(select(Partner.email).order_by(Partner.id)).scalars())


def _received(rt: Runtime, *addresses: str) -> list[int]:
    """Rows as the API leaves them, without the job it would queue."""
    with rt.unit_of_work() as uow:
        return [SignupInbox(uow.session).add(
            Signup(**signup_body(email=address, partner_email=None, partner_first_name=None)),
            "reconnect", rt.clock.now()) for address in addresses]


def test_one_job_processes_every_waiting_signup_oldest_first(runtime: Runtime) -> None:
    addresses = [f"person{i}@example.org" for i in range(5)]
    _received(runtime, *addresses)
    assert signups.process_inbox(runtime) == 5
    assert (_emails(runtime), _waiting(runtime, SignupRequest)) == (addresses, 0)


def test_a_job_with_nothing_waiting_does_nothing(runtime: Runtime) -> None:
    assert signups.process_inbox(runtime) == 0
    assert _emails(runtime) == []


def test_a_job_stops_at_its_limit_and_queues_the_next(runtime: Runtime) -> None:
    # The test's sender runs the queued job at once, as a worker would pick it up.
    _received(runtime, *(f"person{i}@example.org" for i in range(5)))
    assert signups.process_inbox(runtime, limit=2) == 2
    assert (len(_emails(runtime)), _waiting(runtime, SignupRequest)) == (5, 0)


def test_a_signup_that_fails_stays_waiting_and_the_others_go_through(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    real_sign_up = signups.sign_up

    def failing_for_one(uow: object, rt: object, request: Signup) -> None:
        if request.email == "broken@example.org":
            raise RuntimeError("a request this release cannot process")
        real_sign_up(uow, rt, request)  # type: ignore[arg-type]

    monkeypatch.setattr(signups, "sign_up", failing_for_one)
    _received(runtime, "first@example.org", "broken@example.org", "last@example.org")
    assert signups.process_inbox(runtime) == 2
    assert _emails(runtime) == ["first@example.org", "last@example.org"]
    assert _waiting(runtime, SignupRequest) == 1


def test_two_jobs_at_once_process_each_signup_once(runtime: Runtime) -> None:
    addresses = [f"person{i}@example.org" for i in range(40)]
    _received(runtime, *addresses)
    counts: list[int] = []
    start = threading.Barrier(2)

    def job() -> None:
        start.wait()
        counts.append(signups.process_inbox(runtime))

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (sum(counts), sorted(_emails(runtime))) == (40, sorted(addresses))
    assert _waiting(runtime, SignupRequest) == 0


def test_a_job_queued_by_an_older_release_still_processes_its_signup(
        runtime: Runtime) -> None:
    [request_id] = _received(runtime, ANA)
    tasks.process_signup(request_id)
    assert partner(runtime, ANA).email == ANA


def test_one_job_sends_the_links_for_every_waiting_request(runtime: Runtime) -> None:
    with runtime.unit_of_work() as uow:
        for address in ("one@example.org", "two@example.org", "three@example.org"):
            LinkInbox(uow.session).add(address, runtime.clock.now())
    assert notices.process_link_inbox(runtime) == 3
    assert _waiting(runtime, LinkRequest) == 0


@pytest.fixture
def own_queue(settings: Settings) -> Iterator[tuple[Celery, redis.Redis]]:
    """A broker no worker reads (another Redis database), so queued jobs stay countable."""
    url = str(settings.redis_url).rsplit("/", 1)[0] + "/9"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield make_celery(settings.model_copy(update={"redis_url": url})), client
    client.flushdb()


def test_a_burst_of_wake_ups_queues_one_job(own_queue: tuple[Celery, redis.Redis]) -> None:
    app, client = own_queue
    sender = CelerySender(app)
    for _ in range(20):
        sender.send(jobs.PROCESS_SIGNUPS, ())
    assert client.llen("celery") == 1


def test_a_started_job_lets_the_next_wake_up_through(
        own_queue: tuple[Celery, redis.Redis]) -> None:
    app, client = own_queue
    sender = CelerySender(app)
    sender.send(jobs.DISPATCH_DUE, ())
    wake_ups.started(sender.broker_url, jobs.DISPATCH_DUE)
    sender.send(jobs.DISPATCH_DUE, ())
    assert client.llen("celery") == 2


def test_wake_ups_of_different_jobs_do_not_hold_each_other_back(
        own_queue: tuple[Celery, redis.Redis]) -> None:
    app, client = own_queue
    sender = CelerySender(app)
    sender.send(jobs.PROCESS_SIGNUPS, ())
    sender.send(jobs.PROCESS_LINK_REQUESTS, ())
    sender.send(jobs.DISPATCH_DUE, ())
    assert client.llen("celery") == 3


def test_jobs_with_ids_are_never_held_back(own_queue: tuple[Celery, redis.Redis]) -> None:
    app, client = own_queue
    sender = CelerySender(app)
    sender.send(jobs.DELIVER, (1,))
    sender.send(jobs.DELIVER, (1,))
    assert client.llen("celery") == 2


@pytest.mark.usefixtures("worker")
def test_a_burst_of_signups_from_many_clients_is_all_processed(
        client: TestClient, runtime: Runtime) -> None:
    addresses = [f"burst{i}@example.org" for i in range(24)]
    answers: list[int] = []
    start = threading.Barrier(len(addresses))

    def sign_up(address: str) -> None:
        start.wait()
        answers.append(client.post("/api/v1/signups", json=signup_body(
            email=address, partner_email=None, partner_first_name=None)).status_code)

    threads = [threading.Thread(target=sign_up, args=(a,)) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [202] * len(addresses)
    signups_settled(runtime)
    wait_until(lambda: sorted(_emails(runtime)) == sorted(addresses))
