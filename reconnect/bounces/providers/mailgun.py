"""Mailgun webhooks: ``signature.signature`` is the HMAC-SHA256 of timestamp and token
under the webhook signing key. Mailgun retries for hours, so a timestamp within a day is
accepted; a replayed event is recorded once (its id)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from reconnect.bounces.providers import WebhookRejected, as_dict, text
from reconnect.bounces.report import Report, make_report
from reconnect.models import BounceKind

MAX_AGE_SECONDS = 24 * 3600


def reports(body: bytes, signing_key: str, now: datetime) -> list[Report]:
    try:
        payload = as_dict(json.loads(body), "the Mailgun webhook")
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("malformed", "the body is not JSON", 400) from None
    signature = as_dict(payload.get("signature"), "signature")
    timestamp, token = str(signature.get("timestamp", "")), str(signature.get("token", ""))
    expected = hmac.new(signing_key.encode(), (timestamp + token).encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(signature.get("signature", ""))):
        raise WebhookRejected("bad_signature", "the signature does not match")
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > MAX_AGE_SECONDS:
        raise WebhookRejected("stale", "the signature's timestamp is too far from now")
    event = as_dict(payload.get("event-data"), "event-data")
    name = event.get("event")
    if name == "complained":
        kind = BounceKind.COMPLAINT
    elif name == "failed":
        kind = BounceKind.HARD if event.get("severity") == "permanent" else BounceKind.SOFT
    else:
        return []
    status = as_dict(event.get("delivery-status") or {}, "delivery-status")
    message = as_dict(event.get("message") or {}, "message")
    headers = as_dict(message.get("headers") or {}, "headers")
    detail = text(status.get("message")) or text(status.get("description")) or \
        text(event.get("reason"))
    code = status.get("code")
    return [make_report("mailgun", kind, str(event.get("id", token)),
                        message_id=text(headers.get("message-id")),
                        status=text(status.get("enhanced-code")),
                        detail=f"{code} {detail}" if code and detail else detail,
                        recipient=text(event.get("recipient")))]
