"""Relays' bounce and complaint webhooks, ``POST /api/v1/webhooks/<provider>``.

Each is off (404) until its credential is configured, checks its provider's signature
before reading anything, takes at most MAX_BODY_BYTES, and answers 200 with what it did
(a report seen before, or about an email not sent from here, is still a 200: the
provider must not retry it). Plain ``def`` handlers: verification may fetch a
certificate, and recording writes the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep
from reconnect.bounces import service
from reconnect.bounces.providers import WebhookRejected, mailgun, postmark, sendgrid, ses
from reconnect.bounces.providers.sns import SnsVerifier
from reconnect.bounces.report import Report
from reconnect.runtime import Runtime

log = logging.getLogger(__name__)
# Providers batch a few events per post; SendGrid's largest batches stay well under this.
MAX_BODY_BYTES = 64 * 1024
NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], include_in_schema=False)


class BodyTooLarge(WebhookRejected):
    def __init__(self) -> None:
        super().__init__("too_large", f"the body is larger than {MAX_BODY_BYTES} bytes", 413)


async def raw_body(request: Request) -> bytes:
    """The body, read up to the cap (signatures cover the exact bytes). Reading a request
    body waits on the client, never on a database."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge()
    return bytes(body)


RawBody = Annotated[bytes, Depends(raw_body)]


async def body_too_large(_: Request, exc: Exception) -> JSONResponse:
    """The app's answer to a body over the cap (raised while reading, before the route)."""
    assert isinstance(exc, BodyTooLarge)
    return JSONResponse({"error": exc.reason, "message": exc.message},
                        status_code=exc.status, headers=NO_STORE)


def _not_configured(provider: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "message": f"The {provider} webhook is not "
                         "configured here."}, status_code=404, headers=NO_STORE)


def _handle(rt: Runtime, provider: str, read: Callable[[], list[Report]]) -> JSONResponse:
    try:
        reports = read()
    except WebhookRejected as exc:
        log.warning("bounce webhook refused", extra={"provider": provider,
                                                     "reason": exc.reason})
        rt.metrics.webhook_rejected(provider, exc.reason)
        return JSONResponse({"error": exc.reason, "message": exc.message},
                            status_code=exc.status, headers=NO_STORE)
    outcomes = {outcome.value: 0 for outcome in service.Recorded}
    for report in reports:
        with rt.unit_of_work() as uow:  # one report, one transaction
            outcomes[service.record(uow, rt, report).value] += 1
    return JSONResponse({"received": len(reports), **outcomes}, headers=NO_STORE)


@router.post("/ses")
def ses_webhook(request: Request, body: RawBody, rt: RuntimeDep) -> JSONResponse:
    if not rt.settings.ses_topics:
        return _not_configured("Amazon SES")
    verifier: SnsVerifier = request.app.state.sns_verifier

    def read() -> list[Report]:
        message = verifier.read(body)
        if message["Type"] == "SubscriptionConfirmation":
            verifier.confirm(message)
            log.info("SNS subscription confirmed", extra={"topic": message["TopicArn"]})
            return []
        return ses.reports(message) if message["Type"] == "Notification" else []

    return _handle(rt, "ses", read)


@router.post("/postmark")
def postmark_webhook(request: Request, body: RawBody, rt: RuntimeDep) -> JSONResponse:
    token = rt.settings.postmark_webhook_token
    if token is None:
        return _not_configured("Postmark")

    def read() -> list[Report]:
        postmark.check(request.headers.get("authorization"), token)
        return postmark.reports(body)

    return _handle(rt, "postmark", read)


@router.post("/mailgun")
def mailgun_webhook(body: RawBody, rt: RuntimeDep) -> JSONResponse:
    key = rt.settings.mailgun_signing_key
    if key is None:
        return _not_configured("Mailgun")
    return _handle(rt, "mailgun", lambda: mailgun.reports(body, key, rt.clock.now()))


@router.post("/sendgrid")
def sendgrid_webhook(request: Request, body: RawBody, rt: RuntimeDep) -> JSONResponse:
    if rt.settings.sendgrid_public_key is None:
        return _not_configured("SendGrid")
    key = sendgrid.public_key(rt.settings.sendgrid_public_key)
    return _handle(rt, "sendgrid", lambda: sendgrid.reports(
        body, request.headers.get(sendgrid.SIGNATURE_HEADER),
        request.headers.get(sendgrid.TIMESTAMP_HEADER), key, rt.clock.now()))
