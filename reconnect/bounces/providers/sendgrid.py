"""SendGrid's signed event webhook: an ECDSA (P-256, SHA-256) signature over the timestamp
header followed by the raw body, checked with the verification key SendGrid shows
(base64 DER). A body is a list of events; bounces and spam reports are acted on."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from reconnect.bounces.providers import WebhookRejected, as_dict, text
from reconnect.bounces.report import Report, make_report
from reconnect.models import BounceKind
from reconnect.verification_keys import sendgrid_public_key

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_AGE_SECONDS = 24 * 3600  # SendGrid retries failed posts for up to a day


public_key = sendgrid_public_key


def reports(body: bytes, signature: str | None, timestamp: str | None,
            key: ec.EllipticCurvePublicKey, now: datetime) -> list[Report]:
    if not signature or not timestamp or not timestamp.isdigit():
        raise WebhookRejected("bad_signature", "the signature headers are missing")
    try:
        key.verify(base64.b64decode(signature, validate=True), timestamp.encode() + body,
                   ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        raise WebhookRejected("bad_signature", "the signature does not match") from None
    if abs(now.timestamp() - int(timestamp)) > MAX_AGE_SECONDS:
        raise WebhookRejected("stale", "the signature's timestamp is too far from now")
    try:
        events = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("malformed", "the body is not JSON", 400) from None
    if not isinstance(events, list):
        raise WebhookRejected("malformed", "the body must be a list of events", 400)
    return [report for event in events if (report := _report(as_dict(event, "an event")))]


def _report(event: dict[str, object]) -> Report | None:
    name = event.get("event")
    if name == "spamreport":
        kind = BounceKind.COMPLAINT
    elif name == "bounce":
        kind = BounceKind.SOFT if event.get("type") == "blocked" else BounceKind.HARD
    else:
        return None  # deferred (SendGrid still tries), delivered, dropped, opens, clicks
    key = text(event.get("sg_event_id")) or hashlib.sha256(
        json.dumps(event, sort_keys=True).encode()).hexdigest()
    return make_report("sendgrid", kind, key,
                       message_id=text(event.get("smtp-id")),
                       status=text(event.get("status")), detail=text(event.get("reason")),
                       recipient=text(event.get("email")))
