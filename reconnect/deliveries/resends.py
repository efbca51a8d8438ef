"""A resend: an operator's explicit extra copy of a stage a partner already received.

Each resend is its own delivery row, keyed ``_resend-<stage>-<n>`` (the n-th resend of
that stage to that partner), so ``UNIQUE(partner_id, key)`` still holds and the stage's
own row, its reflections and the program's schedule are untouched. It goes through the
normal dispatch path and is rendered as the stage it copies, with its own Message-ID.
"""

from __future__ import annotations

from reconnect.models import Delivery, PartnerStatus

_PREFIX = "_resend-"
# Who may get a resend: enrolled partners, and those who completed the program (the last
# stage may be the one they lost). Never someone pending or unsubscribed.
RESENDABLE = frozenset({PartnerStatus.ACTIVE, PartnerStatus.COMPLETED})


def resend_key(stage_key: str, number: int) -> str:
    # Stage keys cannot contain "_", so this never collides with a stage's own key, a
    # confirmation's or a nudge's.
    return f"{_PREFIX}{stage_key}-{number}"


def resend_prefix(stage_key: str) -> str:
    return f"{_PREFIX}{stage_key}-"


def stage_of(delivery: Delivery) -> str:
    return delivery.key.removeprefix(_PREFIX).rpartition("-")[0]
