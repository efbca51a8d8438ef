"""Sends messages over SMTP and sorts failures into retry-later and give-up.

One mailer per worker process keeps one SMTP session open across messages: opening a
session (TCP, EHLO, maybe TLS and AUTH) costs several round trips, which is most of the
price of a message on a fast relay.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconnect.mail.message import WireMessage
from reconnect.mail.replies import Blame, blame_of, readable
from reconnect.settings import Settings, SmtpSecurity

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

log = logging.getLogger(__name__)

# A session unused for this long is checked with NOOP before the next message: relays
# drop idle sessions, and a dead one found only at MAIL FROM would cost the message a
# retry. Within a batch, messages follow each other far faster than this.
PROBE_AFTER_IDLE_SECONDS = 1.0


def _long_data_reply(client: smtplib.SMTP, timeout: float,
                     send: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
    """Waits longer for the reply to the end of the message than for other replies.

    A relay may take minutes to accept a message (RFC 5321 suggests waiting 10). Giving
    up sooner would retry a message it may yet accept: a second copy."""
    if client.sock is not None:
        client.sock.settimeout(timeout)
    try:
        return send()
    finally:
        if client.sock is not None:
            client.sock.settimeout(client.timeout)


def _dot_stuffed(data: bytes) -> bytes:
    """What smtplib's DATA sends for bytes (a line that starts with a dot gets a second
    one, RFC 5321 4.5.2; CRLF and the final dot added), written with bytes.replace
    instead of its regular expression, which costs more than the rest of the send on a
    message of tens of kilobytes."""
    quoted = data.replace(b"\n.", b"\n..")
    if quoted.startswith(b"."):
        quoted = b"." + quoted
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


def _data(client: smtplib.SMTP, msg: ReadableBuffer | str) -> tuple[int, bytes]:
    if isinstance(msg, str):  # not ours: smtplib's own path, line ends fixed first
        return smtplib.SMTP.data(client, msg)
    client.putcmd("data")
    code, reply = client.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    client.send(_dot_stuffed(bytes(msg)))
    return client.getreply()


class _Smtp(smtplib.SMTP):
    data_timeout = 300.0

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        return _long_data_reply(self, self.data_timeout, lambda: _data(self, msg))


class _SmtpSsl(smtplib.SMTP_SSL):
    data_timeout = 300.0

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        return _long_data_reply(self, self.data_timeout, lambda: _data(self, msg))


class MailError(Exception):
    """A send that did not happen. ``permanent`` failures are not retried; only those
    blamed on the recipient count toward suppressing the address."""

    def __init__(self, reason: str, *, permanent: bool,
                 blame: Blame = Blame.RECIPIENT) -> None:
        super().__init__(f"{blame.value}: {reason}")
        self.permanent = permanent and blame is not Blame.RELAY
        self.blame = blame

    @classmethod
    def from_reply(cls, code: int, text: bytes | str, default: Blame,
                   recipient: str | None) -> MailError:
        """From a relay's reply: 5xx is permanent unless it blames the relay."""
        reason = readable(code, text, recipient)
        return cls(reason, permanent=code >= 500,
                   blame=blame_of(reason, default) if code >= 500 else default)


class SmtpMailer:
    def __init__(self, settings: Settings,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._client: smtplib.SMTP | None = None
        self._sent_on_client = 0
        self._last_used = 0.0
        self.connections_opened = 0

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_security is SmtpSecurity.TLS:
            client: _Smtp | _SmtpSsl = _SmtpSsl(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                context=ssl.create_default_context())
        else:
            client = _Smtp(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        client.data_timeout = s.smtp_data_timeout_seconds
        if s.smtp_security is SmtpSecurity.STARTTLS:
            client.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            client.login(s.smtp_username, s.smtp_password or "")
        self.connections_opened += 1
        return client

    def _session(self) -> smtplib.SMTP:
        now = self._monotonic()
        client = self._client
        if client is not None:
            idle = now - self._last_used
            worn = self._sent_on_client >= self.settings.smtp_messages_per_connection
            if worn or idle > self.settings.smtp_idle_seconds:
                self._drop(polite=True)
            elif idle > PROBE_AFTER_IDLE_SECONDS and not _answers_noop(client):
                self._drop(polite=False)
        if self._client is None:
            self._client = self._connect()
            self._sent_on_client = 0
        return self._client

    def send(self, message: WireMessage) -> None:
        with self._lock:
            try:
                client = self._session()
            except (smtplib.SMTPException, OSError) as exc:
                # No connection, or greeting, EHLO, STARTTLS or login refused: the relay's
                # trouble or our configuration, never the recipient's.
                self._drop(polite=False)
                raise MailError(f"SMTP session failed: {_describe(exc)}", permanent=False,
                                blame=Blame.RELAY) from exc
            recipient = message.recipient
            try:
                refused = client.sendmail(message.sender, [recipient], message.data)
            except smtplib.SMTPSenderRefused as exc:
                # Our sender address refused: retry after the operator fixes it.
                self._drop_if_dead()
                raise MailError(f"sender refused: {readable(exc.smtp_code, exc.smtp_error)}",
                                permanent=False, blame=Blame.RELAY) from exc
            except smtplib.SMTPRecipientsRefused as exc:
                self._drop_if_dead()
                code, text = next(iter(exc.recipients.values()))
                raise MailError.from_reply(code, text, Blame.RECIPIENT, recipient) from exc
            except smtplib.SMTPResponseException as exc:
                # Refused at DATA: the recipient (some relays check mailboxes only then)
                # unless the enhanced code says otherwise.
                self._drop_if_dead()
                raise MailError.from_reply(exc.smtp_code, exc.smtp_error, Blame.RECIPIENT,
                                           recipient) from exc
            except (smtplib.SMTPException, OSError) as exc:
                self._drop(polite=False)
                raise MailError(_describe(exc), permanent=False, blame=Blame.RELAY) from exc
            except UnicodeError as exc:
                # An address no SMTP command can carry: it will never go, wherever sent.
                self._drop(polite=False)
                raise MailError("address cannot be written in SMTP", permanent=True) from exc
            except BaseException:
                # The session may be half-way through a transaction: never reuse it.
                self._drop(polite=False)
                raise
            finally:
                self._last_used = self._monotonic()
            self._sent_on_client += 1
        if refused:
            raise MailError("recipient refused", permanent=True)

    def close(self) -> None:
        with self._lock:
            self._drop(polite=True)

    def _drop_if_dead(self) -> None:
        # smtplib resets a session after a refused command and closes it after a 421;
        # only a closed one needs replacing.
        if self._client is not None and self._client.sock is None:
            self._client = None

    def _drop(self, *, polite: bool) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if polite:
            _close_quietly(client)
        else:
            client.close()


def _describe(exc: BaseException) -> str:
    code = getattr(exc, "smtp_code", None)
    if code:
        return f"{type(exc).__name__}: {readable(code, getattr(exc, 'smtp_error', b''))}"
    return type(exc).__name__


def _answers_noop(client: smtplib.SMTP) -> bool:
    try:
        code, _ = client.noop()
    except (smtplib.SMTPException, OSError):
        return False
    return code == 250


def _close_quietly(client: smtplib.SMTP) -> None:
    """Ends the session. Once DATA was accepted the message is the server's; a failing
    QUIT must not turn that success into a retry (and so a duplicate)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


class _ClosesWhenGreetingFails(smtplib.SMTP):
    """smtplib leaves the socket open when the greeting never comes (a timeout while
    connecting inside the constructor); a probe that runs every few seconds must not."""

    def connect(self, host: str = "localhost", port: int = 0,
                source_address: Any = None) -> tuple[int, bytes]:
        try:
            return super().connect(host, port, source_address)
        except BaseException:
            self.close()
            raise


class _ProbeSmtp(_ClosesWhenGreetingFails):
    pass


class _ProbeSmtpSsl(_ClosesWhenGreetingFails, smtplib.SMTP_SSL):
    pass


def probe_relay(settings: Settings, timeout: float) -> None:
    """Proves the relay answers: connect, EHLO, STARTTLS when configured, the login when
    credentials are set, QUIT. It never sends. Raises what smtplib, ssl or the socket
    raise, or smtplib.SMTPResponseException when EHLO is refused."""
    s = settings
    client: smtplib.SMTP
    if s.smtp_security is SmtpSecurity.TLS:
        client = _ProbeSmtpSsl(s.smtp_host, s.smtp_port, timeout=timeout,
                               context=ssl.create_default_context())
    else:
        client = _ProbeSmtp(s.smtp_host, s.smtp_port, timeout=timeout)
    try:
        code, reply = client.ehlo()
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)
        if s.smtp_security is SmtpSecurity.STARTTLS:
            client.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            client.login(s.smtp_username, s.smtp_password or "")
    except BaseException:
        client.close()
        raise
    _close_quietly(client)
