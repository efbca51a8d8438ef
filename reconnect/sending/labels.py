"""A delivery's stage as a metric label: a stage key from the program files (bounded),
or empty for a confirmation. Never the row's own key, which can carry a counter."""

from __future__ import annotations

from reconnect.deliveries import resends
from reconnect.models import Delivery, DeliveryKind
from reconnect.reflections import nudges


def stage_label(delivery: Delivery) -> str:
    if delivery.kind in (DeliveryKind.CONFIRMATION, DeliveryKind.NOTICE):
        return ""
    if delivery.kind is DeliveryKind.NUDGE:
        return nudges.stage_of(delivery)
    if delivery.kind is DeliveryKind.RESEND:
        return resends.stage_of(delivery)
    return delivery.key
