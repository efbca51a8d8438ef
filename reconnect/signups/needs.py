"""What the signup services use: the clock, the metrics, the program versions, the link
tokens, the settings (the secret the invitation blocks are keyed with) and, because
processing a received signup owns its transaction, transactions."""

from __future__ import annotations

from typing import Protocol

from reconnect.partners import needs as partners
from reconnect.ports import Configured, Transactions


class Needs(partners.Needs, Configured, Transactions, Protocol):
    pass
