"""The Celery application: broker settings and the one beat schedule."""

from __future__ import annotations

from celery import Celery

from reconnect.jobs import WAKE_UPS
from reconnect.settings import Settings
from tasks import wake_ups

# How often the reaper looks for claims abandoned by dead workers. Cheap (one indexed
# UPDATE), and far shorter than the claim timeout so stale rows wait little past it.
REAP_INTERVAL_SECONDS = 60.0
# Signups are processed by a job queued as each is received; the sweep only catches the
# few whose job was lost (Redis away at that moment), so every half minute is plenty.
SWEEP_INTERVAL_SECONDS = 30.0
# How often timed pauses that have run out are ended: the held email then goes at the
# next send hour, so a minute late is never noticed.
END_PAUSES_INTERVAL_SECONDS = 60.0
# How often the bounce mailbox is read, when one is configured: bounces are no hurry, and
# each read is a login on the mail server.
BOUNCE_MAILBOX_INTERVAL_SECONDS = 60.0
# Expired invitations are noticed within five minutes; the notice itself waits for the
# inviter's next send hour anyway.
EXPIRE_INVITATIONS_INTERVAL_SECONDS = 300.0


def make_celery(settings: Settings) -> Celery:
    if settings.redis_url is None:
        raise RuntimeError("RECONNECT_REDIS_URL is not set; the worker needs a Redis server")
    app = Celery("reconnect", broker=settings.redis_url, include=["tasks.tasks"])
    schedule = {
        "dispatch-due": {
            "task": "reconnect.dispatch_due",
            "schedule": settings.dispatch_interval_seconds,
            # A tick that waited longer than its interval is useless: the next one
            # does the same work.
            "options": {"expires": settings.dispatch_interval_seconds},
        },
        "sweep-signups": {
            "task": "reconnect.sweep_signups",
            "schedule": SWEEP_INTERVAL_SECONDS,
            "options": {"expires": SWEEP_INTERVAL_SECONDS},
        },
        "end-pauses": {
            "task": "reconnect.end_pauses",
            "schedule": END_PAUSES_INTERVAL_SECONDS,
            "options": {"expires": END_PAUSES_INTERVAL_SECONDS},
        },
        "reap-stale": {
            "task": "reconnect.reap_stale",
            "schedule": REAP_INTERVAL_SECONDS,
            "options": {"expires": REAP_INTERVAL_SECONDS},
        },
        "expire-invitations": {
            "task": "reconnect.expire_invitations",
            "schedule": EXPIRE_INVITATIONS_INTERVAL_SECONDS,
            "options": {"expires": EXPIRE_INVITATIONS_INTERVAL_SECONDS},
        },
    }
    if settings.bounce_imap_host:
        schedule["read-bounce-mailbox"] = {
            "task": "reconnect.read_bounce_mailbox",
            "schedule": BOUNCE_MAILBOX_INTERVAL_SECONDS,
            "options": {"expires": BOUNCE_MAILBOX_INTERVAL_SECONDS},
        }
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        # Ack after the task body ran, and requeue if the worker process died mid-task:
        # the database state machine makes a redelivered task harmless.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
        beat_schedule=schedule,
        # Any number of beats may run; only the holder of a lock in Redis ticks.
        beat_scheduler="tasks.leader:LeaderScheduler",
    )
    return app


class CelerySender:
    """Sends domain jobs by task name, so the domain never imports Celery tasks."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.broker_url = str(app.conf.broker_url)

    def send(self, name: str, args: tuple[int, ...], countdown: float = 0.0) -> None:
        if name in WAKE_UPS and not wake_ups.should_send(self.broker_url, name):
            return  # one is queued and will see this request's work
        try:
            # Only ever a second or two (a send-rate wait): decision 1 rules out long ETAs.
            self.app.send_task(name, args=list(args), countdown=countdown or None)
        except Exception:
            if name in WAKE_UPS:  # nothing was queued: the next request must try again
                wake_ups.started(self.broker_url, name)
            raise


def celery_sender(settings: Settings, app: Celery | None = None) -> CelerySender:
    """The sender every process shell gives its Runtime (api/, tasks/, cli/): built here
    alone, so the broker settings and the task routing cannot drift between them."""
    return CelerySender(app if app is not None else make_celery(settings))
