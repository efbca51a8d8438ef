"""What tests that drive the services step by step do with the jobs a service asks for."""

from __future__ import annotations

from reconnect.jobs import PROCESS_LINK_REQUESTS, PROCESS_SIGNUPS
from reconnect.partners import notices
from reconnect.runtime import Runtime
from reconnect.signups import service as signups


class SignupsAtOnce:
    """Runs the signup and link-request jobs in the test's own process as soon as their
    row is committed, as the worker would; other jobs go nowhere, so the test dispatches when
    it chooses and the session's worker cannot race it. Tests that take the ``worker``
    fixture get real Celery jobs instead."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def send(self, name: str, args: tuple[int, ...], countdown: float = 0.0) -> None:
        if self.runtime is None:
            return
        if name == PROCESS_SIGNUPS:
            signups.process_inbox(self.runtime)
        elif name == PROCESS_LINK_REQUESTS:
            notices.process_link_inbox(self.runtime)
