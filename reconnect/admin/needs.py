"""What the operators' tools use: what the partner services use (pause, resume, export
and erasure go through them); never the mailer or the database engine."""

from __future__ import annotations

from typing import Protocol

from reconnect.partners import needs as partners


class Needs(partners.Needs, Protocol):
    pass
