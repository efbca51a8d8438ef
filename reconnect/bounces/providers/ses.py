"""Amazon SES bounce and complaint notifications, delivered by SNS (either the classic
notifications, ``notificationType``, or event publishing, ``eventType``)."""

from __future__ import annotations

import json
from typing import Any

from reconnect.bounces.providers import WebhookRejected, as_dict, text
from reconnect.bounces.report import Report, make_report
from reconnect.models import BounceKind

_BOUNCE_TYPES = {"Permanent": BounceKind.HARD, "Transient": BounceKind.SOFT,
                 "Undetermined": BounceKind.SOFT}


def reports(notification: dict[str, Any]) -> list[Report]:
    try:
        event = as_dict(json.loads(str(notification["Message"])), "the SES notification")
    except (KeyError, ValueError):
        raise WebhookRejected("malformed", "the SNS message holds no SES notification",
                              400) from None
    kind_name = event.get("notificationType") or event.get("eventType")
    mail = as_dict(event.get("mail", {}), "mail")
    headers = as_dict(mail.get("commonHeaders", {}), "commonHeaders")
    message_id = text(headers.get("messageId")) or _header(mail, "Message-ID")
    key = str(notification.get("MessageId", ""))
    if kind_name == "Bounce":
        bounce = as_dict(event.get("bounce"), "bounce")
        kind = _BOUNCE_TYPES.get(str(bounce.get("bounceType")), BounceKind.SOFT)
        found = bounce.get("bouncedRecipients") or [{}]
        first = as_dict(found[0] if isinstance(found, list) and found else {}, "recipient")
        return [make_report("ses", kind, key, message_id=message_id,
                            status=text(first.get("status")),
                            detail=text(first.get("diagnosticCode")),
                            recipient=text(first.get("emailAddress")))]
    if kind_name == "Complaint":
        complaint = as_dict(event.get("complaint"), "complaint")
        if complaint.get("complaintFeedbackType") == "not-spam":
            return []
        return [make_report("ses", BounceKind.COMPLAINT, key, message_id=message_id,
                            detail=text(complaint.get("complaintFeedbackType")))]
    return []  # deliveries, opens, sends: nothing to act on


def _header(mail: dict[str, Any], name: str) -> str | None:
    for header in mail.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name.lower():
            return text(header.get("value"))
    return None
