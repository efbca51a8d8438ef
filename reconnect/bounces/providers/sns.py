"""Amazon SNS messages: the signature checked against the certificate Amazon names (from
an allowed host only), subscription confirmation for our own topics only.

SNS signs the listed fields of each message, in that order, as ``name\\nvalue\\n``
(SignatureVersion 1: RSA with SHA-1; 2: RSA with SHA-256), with the private key of the
certificate at ``SigningCertURL``.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from reconnect.bounces.providers import WebhookRejected, as_dict, text
from reconnect.settings import LOCAL_HOSTS

_SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp",
                                 "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp",
                                "Token", "TopicArn", "Type"),
}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1,
                                                          "2": hashes.SHA256}
# A certificate is a few kilobytes; the subscription answer smaller still.
MAX_FETCH_BYTES = 64 * 1024
FETCH_SECONDS = 5.0
# Amazon rotates signing certificates rarely; a few are ever in use at once.
CACHED_CERTIFICATES = 16

Fetch = Callable[[str], bytes]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=FETCH_SECONDS) as answer:  # noqa: S310 - checked
        return bytes(answer.read(MAX_FETCH_BYTES + 1))[:MAX_FETCH_BYTES]


class SnsVerifier:
    def __init__(self, hosts: tuple[str, ...], topics: frozenset[str],
                 fetcher: Fetch = fetch) -> None:
        self.hosts, self.topics, self._fetch = hosts, topics, fetcher
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def read(self, body: bytes) -> dict[str, Any]:
        """The message, once its type, topic and signature are checked."""
        try:
            message = as_dict(json.loads(body), "the SNS message")
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("malformed", "the body is not an SNS message", 400) from None
        kind = message.get("Type")
        if kind not in _SIGNED:
            raise WebhookRejected("malformed", "not an SNS message type", 400)
        if message.get("TopicArn") not in self.topics:
            raise WebhookRejected("unknown_topic", "not one of RECONNECT_SES_TOPIC_ARNS", 403)
        self._check_signature(message, _SIGNED[str(kind)])
        return message

    def confirm(self, message: dict[str, Any]) -> None:
        """Follows SubscribeURL of a verified SubscriptionConfirmation."""
        url = text(message.get("SubscribeURL"))
        if url is None or not self._allowed(url):
            raise WebhookRejected("bad_url", "SubscribeURL is not an SNS address", 400)
        self._fetch(url)

    def _check_signature(self, message: dict[str, Any], fields: tuple[str, ...]) -> None:
        algorithm = _HASHES.get(str(message.get("SignatureVersion")))
        url = text(message.get("SigningCertURL"))
        if algorithm is None or url is None or not self._allowed(url):
            raise WebhookRejected("bad_signature", "unknown signature version or "
                                                   "certificate address")
        try:
            signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        except (binascii.Error, ValueError):
            raise WebhookRejected("bad_signature", "the signature is not base64") from None
        signed = "".join(f"{name}\n{message[name]}\n" for name in fields
                         if isinstance(message.get(name), str))
        try:
            self._key(url).verify(signature, signed.encode(), padding.PKCS1v15(),
                                  algorithm())
        except InvalidSignature:
            raise WebhookRejected("bad_signature", "the signature does not match") from None

    def _key(self, url: str) -> rsa.RSAPublicKey:
        with self._lock:
            cached = self._keys.get(url)
        if cached is not None:
            return cached
        try:
            certificate = x509.load_pem_x509_certificate(self._fetch(url))
        except (OSError, ValueError) as exc:
            raise WebhookRejected("certificate", f"the signing certificate cannot be read "
                                                 f"({type(exc).__name__})", 502) from None
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise WebhookRejected("certificate", "the signing certificate is not RSA")
        with self._lock:
            if len(self._keys) >= CACHED_CERTIFICATES:
                self._keys.clear()
            self._keys[url] = key
        return key

    def _allowed(self, url: str) -> bool:
        """HTTPS from an allowed host; plain HTTP only for an allowed host on this machine
        (a test's own certificate server)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not any(fnmatch.fnmatchcase(host, pattern) and host.count(".") ==
                   pattern.count(".") for pattern in self.hosts):
            return False
        return parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS)
