"""Postmark bounce and spam-complaint webhooks. Postmark does not sign its webhooks; it
sends the HTTP Basic credentials written into the webhook's URL, so the password must be
RECONNECT_POSTMARK_WEBHOOK_TOKEN (compared in constant time). Postmark replaces the
Message-ID, so emails carry their tag as metadata (X-PM-Metadata-reconnect-tag)."""

from __future__ import annotations

import base64
import binascii
import hmac
import json

from reconnect.bounces.providers import WebhookRejected, as_dict, text
from reconnect.bounces.report import Report, make_report
from reconnect.models import BounceKind

_KINDS = {"HardBounce": BounceKind.HARD, "BadEmailAddress": BounceKind.HARD,
          "SoftBounce": BounceKind.SOFT, "Transient": BounceKind.SOFT,
          "DnsError": BounceKind.SOFT, "Blocked": BounceKind.SOFT,
          "SpamComplaint": BounceKind.COMPLAINT}


def check(authorization: str | None, token: str) -> None:
    scheme, _, encoded = (authorization or "").partition(" ")
    try:
        password = base64.b64decode(encoded, validate=True).decode().partition(":")[2] \
            if scheme.lower() == "basic" else ""
    except (binascii.Error, UnicodeDecodeError):
        password = ""
    if not hmac.compare_digest(password.encode(), token.encode()):
        raise WebhookRejected("bad_signature", "the webhook's credentials are wrong")


def reports(body: bytes) -> list[Report]:
    try:
        event = as_dict(json.loads(body), "the Postmark webhook")
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("malformed", "the body is not JSON", 400) from None
    record = event.get("RecordType")
    kind = BounceKind.COMPLAINT if record == "SpamComplaint" else \
        _KINDS.get(str(event.get("Type"))) if record == "Bounce" else None
    if kind is None:
        return []  # deliveries, opens, auto-replies, subscription changes
    metadata = as_dict(event.get("Metadata") or {}, "Metadata")
    return [make_report("postmark", kind, f"{record}:{event.get('ID')}",
                        tag=text(metadata.get("reconnect-tag")),
                        detail=text(event.get("Details")) or text(event.get("Description")),
                        recipient=text(event.get("Email")))]
