"""What the reflection services use: the same parts as the partner services (the clock,
the metrics, the program versions, the link tokens), since they read partners' links."""

from __future__ import annotations

from typing import Protocol

from reconnect.partners import needs as partners


class Needs(partners.Needs, Protocol):
    pass
