"""What tests that drive the services step by step do with the jobs a service asks for."""

from __future__ import annotations

from reconnect.jobs import PROCESS_SIGNUP
from reconnect.runtime import Runtime
from reconnect.signups import service as signups


class SignupsAtOnce:
    """Runs the signup job in the test's own process as soon as the signup's row is
    committed, as the worker would; other jobs go nowhere, so the test dispatches when
    it chooses and the session's worker cannot race it. Tests that take the ``worker``
    fixture get real Celery jobs instead."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def send(self, name: str, args: tuple[int, ...], countdown: float = 0.0) -> None:
        if name == PROCESS_SIGNUP and self.runtime is not None:
            signups.process(self.runtime, *args)
