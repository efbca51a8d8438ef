"""The bounce mailbox on a real IMAP server (Dovecot): delivery status notifications
matched by the tag in the address they were mailed back to or by the Message-ID they
quote, complaints in the Abuse Reporting Format, each acted on once and removed; what is
no report stays, read."""

from __future__ import annotations

import imaplib
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reconnect.bounces import tags
from reconnect.bounces.mailbox import read_mailbox
from reconnect.models import PartnerStatus
from reconnect.runtime import Runtime
from reconnect.settings import Settings, SmtpSecurity
from tests.support.bounces import sent_confirmation
from tests.support.dovecot import PASSWORD, USER, dovecot
from tests.support.flows import ANA, BEN, partner


@pytest.fixture(scope="module")
def imap_port() -> Iterator[int]:
    with dovecot() as port:
        yield port


@pytest.fixture
def settings(settings: Settings, imap_port: int) -> Settings:
    return settings.model_copy(update={
        "bounce_imap_host": "127.0.0.1", "bounce_imap_port": imap_port,
        "bounce_imap_security": SmtpSecurity.NONE, "bounce_imap_username": USER,
        "bounce_imap_password": PASSWORD})


@pytest.fixture
def mailbox(imap_port: int) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    if _count(client):
        client.store("1:*", "+FLAGS", "(\\Deleted)")
        client.expunge()
    yield client
    client.logout()


def _count(client: imaplib.IMAP4) -> int:
    _, data = client.select("INBOX")
    return int(data[0] or 0)


def _deliver(client: imaplib.IMAP4, message: str) -> None:
    client.append("INBOX", "", imaplib.Time2Internaldate(time.time()),
                  message.replace("\n", "\r\n").encode())


def dsn(to: str, quoted_message_id: str | None, action: str = "failed",
        status: str = "5.1.1") -> str:
    """A Postfix-style delivery status notification (RFC 3464)."""
    quoted = f"Message-ID: {quoted_message_id}\n" if quoted_message_id else ""
    return f"""From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{status}-{action}-{time.monotonic_ns()}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.
I'm sorry to have to inform you that your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Tue, 20 Oct 2026 10:00:01 +0000

Final-Recipient: rfc822; someone@example.org
Original-Recipient: rfc822;someone@example.org
Action: {action}
Status: {status}
Remote-MTA: dns; mailbox.example.org
Diagnostic-Code: smtp; 550 {status} <someone@example.org>: Recipient address
    rejected: User unknown in local recipient table

--BOUNDARY
Content-Type: text/rfc822-headers

From: Reconnect <hello@reconnect.test>
To: Someone <someone@example.org>
Subject: Please confirm your email
{quoted}
--BOUNDARY--
"""


def complaint(quoted_message_id: str) -> str:
    """A spam complaint in the Abuse Reporting Format (RFC 5965)."""
    return f"""From: <staff@hotmail.example>
To: <bounces@reconnect.test>
Subject: complaint about message
Message-ID: <arf-{time.monotonic_ns()}@hotmail.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="part1"

--part1
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP 192.0.2.1.

--part1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <bounces@reconnect.test>

--part1
Content-Type: message/rfc822
Content-Disposition: inline

From: Reconnect <hello@reconnect.test>
To: someone@hotmail.example
Subject: Please confirm your email
Message-ID: {quoted_message_id}

Please confirm.
--part1--
"""


AUTO_REPLY = """From: Someone <someone@example.org>
To: bounces@reconnect.test
Subject: Out of office
Message-ID: <ooo-1@example.org>
Auto-Submitted: auto-replied

I am away until Monday.
"""


def test_bounces_and_complaints_are_acted_on_once_and_leave_the_mailbox(
        client: TestClient, runtime: Runtime, settings: Settings,
        mailbox: imaplib.IMAP4) -> None:
    ana_email = sent_confirmation(client, runtime, ANA)
    ben_email = sent_confirmation(client, runtime, BEN)
    verp = tags.verp_address("bounces@reconnect.test",
                             tags.tag_for(settings.secret_key, ana_email.id))
    assert ben_email.message_id is not None
    _deliver(mailbox, dsn(verp, None))  # found by the tag in the address alone
    _deliver(mailbox, complaint(ben_email.message_id))  # found by the quoted Message-ID
    _deliver(mailbox, AUTO_REPLY)

    assert read_mailbox(runtime) == {"applied": 2, "not_a_report": 1}

    ana, ben = partner(runtime, ANA), partner(runtime, BEN)
    assert ana.suppressed_reason == "hard bounce 5.1.1 through imap"
    assert ana.status is PartnerStatus.PENDING
    assert ben.status is PartnerStatus.UNSUBSCRIBED
    assert ben.suppressed_reason == "complaint through imap: marked as spam"
    assert _count(mailbox) == 1  # the reports are gone, the auto-reply stays, read
    _, fetched = mailbox.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    [(flags, subject), *_] = [part for part in fetched if isinstance(part, tuple)]
    assert b"\\Seen" in flags
    assert b"Out of office" in subject
    assert read_mailbox(runtime) == {}  # nothing unread is left to act on


def test_a_delayed_delivery_counts_as_a_soft_bounce(
        client: TestClient, runtime: Runtime, mailbox: imaplib.IMAP4) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    assert sent.message_id is not None
    _deliver(mailbox, dsn("bounces@reconnect.test", sent.message_id, action="delayed",
                          status="4.2.2"))
    assert read_mailbox(runtime) == {"applied": 1}
    assert partner(runtime, ANA).suppressed_at is None  # one soft bounce is not enough


def test_a_bounce_for_mail_sent_elsewhere_is_removed_and_changes_nothing(
        client: TestClient, runtime: Runtime, mailbox: imaplib.IMAP4) -> None:
    sent_confirmation(client, runtime, ANA)
    _deliver(mailbox, dsn("bounces@reconnect.test", "<newsletter-7@elsewhere.example>"))
    assert read_mailbox(runtime) == {"unmatched": 1}
    assert partner(runtime, ANA).suppressed_at is None
    assert _count(mailbox) == 0
