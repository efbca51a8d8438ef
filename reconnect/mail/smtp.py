"""Sends messages over SMTP and sorts failures into retry-later and give-up."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from reconnect.settings import Settings, SmtpSecurity


class MailError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_security is SmtpSecurity.TLS:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            if s.smtp_security is SmtpSecurity.STARTTLS:
                client.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            client.login(s.smtp_username, s.smtp_password or "")
        return client

    def send(self, message: EmailMessage) -> None:
        client: smtplib.SMTP | None = None
        try:
            client = self._connect()
            refused = client.send_message(message)
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as exc:
            # Our credentials or sender address are wrong: no recipient's fault, so retry
            # (after the operator fixes it) rather than give up on the address.
            raise MailError(f"SMTP configuration refused: {type(exc).__name__}",
                            permanent=False) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(f"recipient refused ({codes})",
                            permanent=all(c >= 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"SMTP {exc.smtp_code}", permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"{type(exc).__name__}", permanent=False) from exc
        finally:
            if client is not None:
                _close_quietly(client)
        if refused:
            raise MailError("recipient refused", permanent=True)


def _close_quietly(client: smtplib.SMTP) -> None:
    """Ends the session. Once DATA was accepted the message is the server's; a failing
    QUIT must not turn that success into a retry (and so a duplicate)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
