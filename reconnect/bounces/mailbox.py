"""The bounce mailbox: bounces mailed back to the envelope sender (RECONNECT_BOUNCE_ADDRESS)
read over IMAP by the ``reconnect.read_bounce_mailbox`` task, each reported once.

Unread messages are fetched without marking them; a report is recorded in its own
transaction, then its message deleted. A message that is no report (an auto-reply, a
person's answer) is marked read and left for a person. A message whose recording failed
stays unread, for the next run.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Protocol

from reconnect.bounces import dsn, service
from reconnect.ports import Transactions
from reconnect.settings import Settings, SmtpSecurity


class Needs(service.Needs, Transactions, Protocol):
    """What reading the mailbox uses: a transaction per message, and what recording a
    report needs."""

log = logging.getLogger(__name__)
# Messages per run: a run stays short; a backlog drains over a few runs.
MAX_MESSAGES_PER_RUN = 200
IMAP_TIMEOUT_SECONDS = 30.0


@contextmanager
def _connected(settings: Settings) -> Iterator[imaplib.IMAP4]:
    s = settings
    assert s.bounce_imap_host is not None
    client: imaplib.IMAP4
    if s.bounce_imap_security is SmtpSecurity.TLS:
        client = imaplib.IMAP4_SSL(s.bounce_imap_host, s.bounce_imap_port,
                                   ssl_context=ssl.create_default_context(),
                                   timeout=IMAP_TIMEOUT_SECONDS)
    else:
        client = imaplib.IMAP4(s.bounce_imap_host, s.bounce_imap_port,
                               timeout=IMAP_TIMEOUT_SECONDS)
        if s.bounce_imap_security is SmtpSecurity.STARTTLS:
            client.starttls(ssl.create_default_context())
    try:
        client.login(s.bounce_imap_username or "", s.bounce_imap_password or "")
        yield client
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def read_mailbox(rt: Needs) -> Counter[str]:
    """One run; returns how many messages went which way."""
    done: Counter[str] = Counter()
    if rt.settings.bounce_imap_host is None:
        return done
    with _connected(rt.settings) as client:
        client.select(_quoted(rt.settings.bounce_imap_folder))
        _, found = client.uid("SEARCH", "UNSEEN")
        uids = (found[0] or b"").split()[:MAX_MESSAGES_PER_RUN]
        for uid in uids:
            done[_handle(rt, client, uid.decode())] += 1
        if done["applied"] or done["duplicate"] or done["unmatched"]:
            client.expunge()
    if uids:
        log.info("bounce mailbox read", extra=dict(done))
    return done


def _handle(rt: Needs, client: imaplib.IMAP4, uid: str) -> str:
    _, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((part[1] for part in data if isinstance(part, tuple)), None)
    report = dsn.read_report(raw, rt.settings.bounce_address) if raw else None
    if report is None:
        client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        return "not_a_report"
    with rt.unit_of_work() as uow:
        outcome = service.record(uow, rt, report)
    client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
    return outcome.value


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
