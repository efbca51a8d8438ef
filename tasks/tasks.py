"""Thin tasks: each takes ids, loads fresh state in the domain service, and returns."""

from __future__ import annotations

from celery import current_app, shared_task

from reconnect import jobs
from reconnect.bounces import mailbox
from reconnect.partners import notices, preferences
from reconnect.runtime import get_runtime
from reconnect.sending import service as deliveries
from reconnect.signups import service as signups
from tasks import (
    task_metrics,  # noqa: F401 - connects the signals that time every task
    wake_ups,
)


def _woken(name: str) -> None:
    """A wake-up job clears its flag before it reads anything (see tasks/wake_ups.py)."""
    wake_ups.started(str(current_app.conf.broker_url), name)


@shared_task(name=jobs.DISPATCH_DUE, ignore_result=True)
def dispatch_due() -> int:
    _woken(jobs.DISPATCH_DUE)
    return len(deliveries.dispatch_due(get_runtime()))


@shared_task(name=jobs.DELIVER, ignore_result=True)
def deliver(*delivery_ids: int) -> int:
    outcomes = deliveries.deliver(get_runtime(), delivery_ids)
    return sum(outcome is deliveries.Outcome.SENT for outcome in outcomes.values())


@shared_task(name=jobs.SWEEP_SIGNUPS, ignore_result=True)
def sweep_signups() -> int:
    # "Email me my links" requests are taken the same way, and swept with signups.
    rt = get_runtime()
    return signups.process_waiting(rt) + notices.process_waiting_link_requests(rt)


@shared_task(name=jobs.END_PAUSES, ignore_result=True)
def end_pauses() -> int:
    return preferences.end_due_pauses(get_runtime())


@shared_task(name=jobs.PROCESS_SIGNUPS, ignore_result=True)
def process_signups() -> int:
    _woken(jobs.PROCESS_SIGNUPS)
    return signups.process_inbox(get_runtime())


@shared_task(name=jobs.PROCESS_LINK_REQUESTS, ignore_result=True)
def process_link_requests() -> int:
    _woken(jobs.PROCESS_LINK_REQUESTS)
    return notices.process_link_inbox(get_runtime())


@shared_task(name=jobs.PROCESS_LINK_REQUEST, ignore_result=True)
def process_link_request(request_id: int) -> None:
    notices.process_link_request(get_runtime(), request_id)


@shared_task(name=jobs.PROCESS_SIGNUP, ignore_result=True)
def process_signup(request_id: int) -> None:
    signups.process(get_runtime(), request_id)


@shared_task(name=jobs.REAP_STALE, ignore_result=True)
def reap_stale() -> int:
    return deliveries.reap_stale(get_runtime())


@shared_task(name=jobs.READ_BOUNCE_MAILBOX, ignore_result=True)
def read_bounce_mailbox() -> int:
    return sum(mailbox.read_mailbox(get_runtime()).values())


@shared_task(name=jobs.EXPIRE_INVITATIONS, ignore_result=True)
def expire_invitations() -> int:
    return notices.expire_invitations(get_runtime())
