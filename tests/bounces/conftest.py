"""Every relay's webhook configured, with the test's own keys and certificate server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconnect.settings import Settings
from tests.support.bounces import TOPIC, CertificateServer, SendgridSigner

POSTMARK_TOKEN = "postmark-webhook-token-0123456789"
MAILGUN_KEY = "key-mailgun-signing-0123456789abcdef"


@pytest.fixture(scope="session")
def certificates() -> Iterator[CertificateServer]:
    with CertificateServer().running() as server:
        yield server


@pytest.fixture(scope="session")
def sendgrid_signer() -> SendgridSigner:
    return SendgridSigner()


@pytest.fixture
def settings(base_settings: Settings, sendgrid_signer: SendgridSigner) -> Settings:
    return base_settings.model_copy(update={
        "ses_topic_arns": TOPIC, "sns_cert_hosts": "127.0.0.1",
        "postmark_webhook_token": POSTMARK_TOKEN, "mailgun_signing_key": MAILGUN_KEY,
        "sendgrid_public_key": sendgrid_signer.public,
        "bounce_address": "bounces@reconnect.test", "suppress_after_soft_bounces": 2})
