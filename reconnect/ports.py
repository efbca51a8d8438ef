"""The small interfaces domain services take instead of the whole Runtime.

A service names what it uses by combining these (``class Needs(Clocked, Measured,
Protocol)``); the Runtime that ``api/``, ``tasks/`` and ``cli/`` assemble
(reconnect/runtime.py) has every one of them, so a shell passes it as it is, while a test
or a future caller can hand in only the parts the service reads. Read-only properties:
a service never swaps a part.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from reconnect.clock import Clock
from reconnect.db.uow import UnitOfWork
from reconnect.mail.message import WireMessage
from reconnect.metrics.events import Metrics
from reconnect.program.catalog import ProgramCatalog
from reconnect.settings import Settings
from reconnect.tokens import Tokens


class Clocked(Protocol):
    @property
    def clock(self) -> Clock: ...


class Configured(Protocol):
    @property
    def settings(self) -> Settings: ...


class Measured(Protocol):
    @property
    def metrics(self) -> Metrics: ...


class ProgramSource(Protocol):
    @property
    def programs(self) -> ProgramCatalog: ...


class Signing(Protocol):
    @property
    def tokens(self) -> Tokens: ...


class Transactions(Protocol):
    """Where a service that owns its transaction gets one (see reconnect/db/uow.py)."""

    def unit_of_work(self, bind: Connection | None = None
                     ) -> AbstractContextManager[UnitOfWork]: ...

    def read_session(self) -> AbstractContextManager[Session]: ...


class Mailer(Protocol):
    """What sends an email: reconnect.mail.smtp.SmtpMailer, or a stand-in."""

    def send(self, message: WireMessage) -> None: ...

    def close(self) -> None: ...
