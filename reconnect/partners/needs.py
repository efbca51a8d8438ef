"""What the partner services use of a process's parts: the clock, the metrics, the
program versions, the link tokens and the settings (how long an invitation lasts); never
the database engine, the mailer or the job sender (reconnect/ports.py). The Runtime the
shells build is one."""

from __future__ import annotations

from typing import Protocol

from reconnect.ports import Clocked, Configured, Measured, ProgramSource, Signing


class Needs(Clocked, Configured, Measured, ProgramSource, Signing, Protocol):
    pass
