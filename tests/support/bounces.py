"""For bounce tests: a sent email to bounce, Amazon SNS's signing done the way SNS does it
(a key and self-signed certificate of the test's own, served over HTTP on loopback), and
SendGrid's and Mailgun's signatures made with the test's own keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from reconnect.models import Delivery, DeliveryKind, DeliveryStatus
from reconnect.runtime import Runtime
from tests.support.flows import deliveries, send_due_now, signup_body

TOPIC = "arn:aws:sns:eu-west-1:123456789012:reconnect-bounces"
SIGNED_FIELDS = {"Notification": ("Message", "MessageId", "Subject", "Timestamp",
                                  "TopicArn", "Type"),
                 "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL",
                                              "Timestamp", "Token", "TopicArn", "Type")}


def sent_confirmation(client: TestClient, rt: Runtime, email: str) -> Delivery:
    """``email`` signs up alone and their confirmation email goes out: a sent email with
    its Message-ID stored, as every email a bounce can be about."""
    client.post("/api/v1/signups", json=signup_body(email=email, partner_email=None,
                                                    partner_first_name=None))
    send_due_now(rt)
    sent = [d for d in deliveries(rt, email)
            if d.kind is DeliveryKind.CONFIRMATION and d.status is DeliveryStatus.SENT]
    assert sent, "the confirmation email was not sent"
    return sent[-1]


class CertificateServer:
    """Serves the signing certificate (and records SubscribeURL visits) on loopback."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.test")])
        now = datetime.now(UTC)
        self.pem = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                    .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                    .not_valid_before(now - timedelta(days=1))
                    .not_valid_after(now + timedelta(days=30))
                    .sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        self.visits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.visits.append(self.path)
                body = server.pem if self.path.endswith(".pem") else b"<ok/>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.cert_url = f"{self.base}/SimpleNotificationService-test.pem"

    @contextmanager
    def running(self) -> Iterator[CertificateServer]:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()

    def sign(self, message: dict[str, str], version: str = "1",
             cert_url: str | None = None) -> dict[str, str]:
        """The message as SNS posts it: with SignatureVersion, SigningCertURL, Signature."""
        fields = SIGNED_FIELDS[message["Type"]]
        signed = "".join(f"{k}\n{message[k]}\n" for k in fields if k in message).encode()
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
        signature = self.key.sign(signed, padding.PKCS1v15(), algorithm)
        return {**message, "SignatureVersion": version,
                "SigningCertURL": cert_url or self.cert_url,
                "Signature": base64.b64encode(signature).decode()}


def ses_notification(event: dict[str, Any], message_id: str = "22b80b92-4b2c") -> dict[str, str]:
    return {"Type": "Notification", "MessageId": message_id, "TopicArn": TOPIC,
            "Message": json.dumps(event), "Timestamp": "2026-10-20T10:00:00.000Z"}


def ses_bounce(header_message_id: str, bounce_type: str = "Permanent",
               status: str = "5.1.1") -> dict[str, Any]:
    """Amazon SES's documented bounce notification (classic notifications)."""
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type, "bounceSubType": "General",
            "bouncedRecipients": [{
                "emailAddress": "recipient@example.com", "action": "failed",
                "status": status,
                "diagnosticCode": f"smtp; 550 {status} <recipient@example.com>... User "
                                  "unknown"}],
            "timestamp": "2026-10-20T10:00:00.000Z",
            "feedbackId": "000001378603176d-5a4b5ad9-6f30-4198-a8c3-b1eb0c270a1d-000000",
            "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com"},
        "mail": {
            "timestamp": "2026-10-20T09:59:58.000Z", "source": "hello@reconnect.test",
            "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/reconnect.test",
            "sendingAccountId": "123456789012",
            "messageId": "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000",
            "destination": ["recipient@example.com"], "headersTruncated": False,
            "headers": [{"name": "Message-ID", "value": header_message_id}],
            "commonHeaders": {"from": ["Reconnect <hello@reconnect.test>"],
                              "to": ["recipient@example.com"],
                              "messageId": header_message_id,
                              "subject": "Please confirm your email"}}}


def ses_complaint(header_message_id: str, feedback: str = "abuse") -> dict[str, Any]:
    event = ses_bounce(header_message_id)
    del event["bounce"]
    event["notificationType"] = "Complaint"
    event["complaint"] = {
        "userAgent": "AnyCompany Feedback Loop (V0.01)",
        "complainedRecipients": [{"emailAddress": "recipient@example.com"}],
        "complaintFeedbackType": feedback, "arrivalDate": "2026-10-20T10:00:00.000Z",
        "timestamp": "2026-10-20T10:00:00.000Z",
        "feedbackId": "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000"}
    return event


def mailgun_signed(event: dict[str, Any], key: str, when: datetime,
                   token: str = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0") \
        -> dict[str, Any]:
    timestamp = str(int(when.timestamp()))
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256)
    return {"signature": {"timestamp": timestamp, "token": token,
                          "signature": signature.hexdigest()}, "event-data": event}


class SendgridSigner:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public = base64.b64encode(self.key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)).decode()

    def headers(self, body: bytes, when: datetime) -> dict[str, str]:
        timestamp = str(int(when.timestamp()))
        signature = self.key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
                "Content-Type": "application/json"}
