"""What the delivery engine uses: what the signup, partner and reflection services use
(their links and words go into each email), and the parts of sending itself: the
database engine (a send is recorded on its own connection), a Mailer, the job sender
(to come back when the send-rate cap allows) and the shared send-rate throttle."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from reconnect.db.uow import TaskSender
from reconnect.mail.throttle import SendThrottle
from reconnect.ports import Mailer
from reconnect.signups import needs as signups


class Needs(signups.Needs, Protocol):
    @property
    def engine(self) -> Engine: ...

    @property
    def mailer(self) -> Mailer: ...

    @property
    def sender(self) -> TaskSender: ...

    @property
    def throttle(self) -> SendThrottle | None: ...
