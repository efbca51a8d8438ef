"""One settings object for every process, read from ``RECONNECT_*`` environment variables."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from reconnect.secret_files import FileSecrets
from reconnect.verification_keys import sendgrid_public_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# How often a worker sending a batch renews its claim on the rows it has not sent yet.
HEARTBEAT_SECONDS = 60.0
PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the value we refuse outside development
# Passwords production refuses: empty, and the placeholders samples and guides use.
PLACEHOLDERS = frozenset({"", PLACEHOLDER_SECRET, "changeme", "change_me", "replace-me",
                          "password", "secret"})
# Hosts for which production accepts plain http:// and SMTP logins without TLS: the
# traffic never leaves the machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RECONNECT_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.DEVELOPMENT
    secret_key: Annotated[str, Field(min_length=8)] = PLACEHOLDER_SECRET
    base_url: str = "http://127.0.0.1:8000"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'reconnect.db'}"
    redis_url: str | None = None
    # Connections each process keeps open. Overflow connections are closed as soon as
    # they are returned, so a pool smaller than the usual concurrency reconnects
    # constantly; 20 covers the API's concurrent requests per process.
    db_pool_size: Annotated[int, Field(ge=1, le=200)] = 20
    db_max_overflow: Annotated[int, Field(ge=0, le=200)] = 10
    # Nothing waits forever. How long a statement waits for a row lock held by another
    # transaction (Postgres lock_timeout; SQLite's busy timeout) before it gives up: a
    # request then answers 503 with Retry-After instead of hanging.
    db_lock_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 5.0
    # Postgres only: the longest one statement may run, and the longest a session may sit
    # inside a transaction doing nothing (the server then ends it and frees its locks).
    db_statement_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    db_idle_in_transaction_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 60.0
    # The largest request body accepted, checked before anything is parsed (413 above).
    max_body_bytes: Annotated[int, Field(ge=1024, le=10_000_000)] = 65_536
    data_dir: Path = PROJECT_ROOT / "var"

    smtp_host: str = "127.0.0.1"
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 1025
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    # How long to wait for the relay to accept a message after its last byte. Longer than
    # the other steps: giving up early retries a message the relay may still accept.
    smtp_data_timeout_seconds: Annotated[float, Field(gt=0)] = 300.0
    # 0 means no cap. Shared by every worker through Redis, for relays that throttle.
    smtp_max_per_second: Annotated[float, Field(ge=0)] = 0.0
    # Relays commonly end a session after ~100 messages; a fresh one costs a handshake.
    smtp_messages_per_connection: Annotated[int, Field(ge=1)] = 100
    # A connection unused for longer than this is closed rather than reused, before the
    # relay times it out on its side.
    smtp_idle_seconds: Annotated[float, Field(gt=0)] = 30.0
    mail_from: str = "hello@reconnect.localhost"
    # A mailbox someone on the team reads: set as Reply-To on every email, and the footer
    # then says replies are read (never by the partner). Unset: the footer says replies
    # are not read and points to help. See "Replies" in docs/operating.md.
    reply_to: str | None = None
    postal_address: str = "Reconnect, 1 Example Street, Example City"
    # Who runs this installation and how to reach them about personal data: named on the
    # privacy page, with the postal address.
    operator_name: str = "The Reconnect operator"
    operator_contact: str = "privacy@reconnect.localhost"
    # How long the operator's backups keep a copy of erased data before it is gone from
    # them too; said on the privacy page. 0: no backups are taken.
    backup_retention_days: Annotated[int, Field(ge=0, le=3650)] = 30
    safety_url: str = "https://findahelpline.com"
    # Where "Leave this page" (and the Escape key) takes someone from a safety page: an
    # everyday site that reveals nothing if seen over a shoulder.
    quick_exit_url: str = "https://www.bbc.com/weather"

    program_dir: Path = PROJECT_ROOT / "program"
    program: str = "main"
    # How often running processes look for edited program files. An edit that validates
    # becomes the new current version; one that does not is logged and ignored.
    program_reload_seconds: Annotated[float, Field(ge=0)] = 30.0

    # Bearer token for the admin API and pages (HTTP Basic: any user name, this as the
    # password). Unset: admin access is off.
    admin_token: Annotated[str, Field(min_length=16)] | None = None

    dispatch_interval_seconds: Annotated[float, Field(gt=0)] = 5.0
    dispatch_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    claim_timeout_seconds: Annotated[int, Field(ge=30)] = 600
    # Transient failures (SMTP 4xx, connection errors) are retried with exponential
    # backoff and jitter: base, 2 * base, 4 * base … capped, up to max attempts in all.
    delivery_max_attempts: Annotated[int, Field(ge=1, le=50)] = 10
    retry_base_seconds: Annotated[float, Field(gt=0)] = 60.0
    retry_cap_seconds: Annotated[float, Field(gt=0)] = 6 * 3600.0
    # Consecutive permanent refusals (SMTP 5xx) after which an address gets no more mail.
    suppress_after_permanent_failures: Annotated[int, Field(ge=1)] = 2

    signup_limit_per_client: str = "20/hour"
    signup_limit_per_email: str = "3/hour"
    # Invitations to one address, whoever sends them. Counted apart from that address's
    # own signups, which a stranger's invitations never use up.
    invite_limit_per_email: str = "3/day"

    confirm_token_days: Annotated[int, Field(ge=1)] = 7
    reflect_token_days: Annotated[int, Field(ge=7)] = 120
    unsubscribe_token_days: Annotated[int, Field(ge=60)] = 400

    time_travel: bool = False
    outbox_enabled: bool = False
    # Off: no counter is written (the /metrics gauges read from the database remain), for
    # measuring what counting costs (bench/dispatch.py --no-metrics).
    metrics_enabled: bool = True

    # The interactive API docs (/api/docs, /api/openapi.json). Unset: on, except in
    # production.
    api_docs: bool | None = None
    # How long /readyz reuses the relay's answer: each check is a session on someone
    # else's server.
    ready_smtp_seconds: Annotated[float, Field(ge=60)] = 300.0
    # How long beat's leadership lasts without renewal: a standby beat takes over this
    # long after the leader died.
    beat_lock_seconds: Annotated[float, Field(ge=2, le=600)] = 30.0

    # Late bounces and complaints (docs/operating.md, "Bounces and complaints").
    # The envelope sender: bounces go to <local>+<tag>@<domain>, the tag an opaque,
    # keyed id of the email. Unset: the From address, without tags.
    bounce_address: str | None = None
    suppress_after_soft_bounces: Annotated[int, Field(ge=1)] = 3
    soft_bounce_days: Annotated[int, Field(ge=1)] = 30
    bounce_imap_host: str | None = None
    bounce_imap_port: Annotated[int, Field(ge=1, le=65535)] = 993
    bounce_imap_security: SmtpSecurity = SmtpSecurity.TLS
    bounce_imap_username: str | None = None
    bounce_imap_password: str | None = None
    bounce_imap_folder: str = "INBOX"
    # Amazon SES through SNS: the topics whose notifications are accepted (comma
    # separated ARNs; unset turns the endpoint off) and the hosts a signing certificate
    # may come from (comma separated, * matches one label).
    ses_topic_arns: str = ""
    sns_cert_hosts: str = "sns.*.amazonaws.com,sns.*.amazonaws.com.cn"
    postmark_webhook_token: Annotated[str, Field(min_length=16)] | None = None
    mailgun_signing_key: str | None = None
    sendgrid_public_key: str | None = None

    @classmethod
    def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # RECONNECT_<NAME>_FILE (Docker secrets). A secret set both ways is refused, so
        # the order matters only for the database password merged into its URL.
        return (init_settings, FileSecrets(settings_cls), env_settings, dotenv_settings)

    @field_validator("mail_from")
    @classmethod
    def _sending_domain(cls, value: str) -> str:
        # The domain names our Message-IDs and List-Ids, so it must be a host name.
        local, at, domain = value.rpartition("@")
        if not (local and at and _HOST_NAME.fullmatch(domain)):
            raise ValueError(f"'{value}' is not an address like hello@example.org")
        return value

    @field_validator("reply_to")
    @classmethod
    def _reply_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            # Deliverability is the operator's to check; the shape is ours.
            return validate_email(value.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"'{value}' is not an email address ({exc})") from None

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        # Every problem at once, one line each: an operator fixes them in one go.
        if self.env is Environment.PRODUCTION:
            problems = _production_problems(self)
            if problems:
                raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _sendgrid_key_is_a_key(self) -> Self:
        if self.sendgrid_public_key is not None:
            try:
                sendgrid_public_key(self.sendgrid_public_key)
            except ValueError:
                raise ValueError("RECONNECT_SENDGRID_PUBLIC_KEY must be the verification "
                                 "key SendGrid shows for the signed event webhook (base64)"
                                 ) from None
        return self

    @model_validator(mode="after")
    def _claims_outlast_a_send(self) -> Self:
        # A worker refreshes its claim between messages; one message may take the data
        # timeout plus the other steps. A claim that expired during one send would let
        # the reaper hand the message to another worker: a second copy.
        slowest_send = self.smtp_data_timeout_seconds + 4 * self.smtp_timeout_seconds
        if self.claim_timeout_seconds < slowest_send + HEARTBEAT_SECONDS:
            raise ValueError(
                f"RECONNECT_CLAIM_TIMEOUT_SECONDS ({self.claim_timeout_seconds}) must be at "
                f"least {slowest_send + HEARTBEAT_SECONDS:.0f}: the data timeout plus four "
                f"SMTP timeouts plus {HEARTBEAT_SECONDS:.0f} s, so no claim expires while a "
                "message is being sent")
        return self

    @property
    def docs_enabled(self) -> bool:
        return self.env is not Environment.PRODUCTION if self.api_docs is None \
            else self.api_docs

    @property
    def ses_topics(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.ses_topic_arns.split(",") if t.strip())

    @property
    def sns_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.sns_cert_hosts.split(",") if h.strip())

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rpartition("@")[2]


def _production_problems(s: Settings) -> list[str]:
    """Production settings that would leak credentials or break links, one line each."""
    problems = []
    if s.secret_key == PLACEHOLDER_SECRET or len(s.secret_key) < 32:
        problems.append(
            "RECONNECT_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if s.time_travel or s.outbox_enabled:
        problems.append(
            "RECONNECT_TIME_TRAVEL and RECONNECT_OUTBOX_ENABLED are development tools and "
            "must be off in production")
    if s.redis_url is None:
        problems.append("RECONNECT_REDIS_URL must be set in production")
    if s.admin_token is not None and (
            s.admin_token == PLACEHOLDER_SECRET or len(s.admin_token) < 32):
        problems.append(
            "RECONNECT_ADMIN_TOKEN must be a random value of at least 32 characters in "
            "production, or unset to turn admin access off")
    base = urlsplit(s.base_url)
    if not (base.scheme == "https" and base.hostname) and not (
            base.scheme == "http" and base.hostname in LOCAL_HOSTS):
        problems.append(
            "RECONNECT_BASE_URL must be the public https:// address in production (every "
            "link in every email starts with it, and one-click unsubscribe needs HTTPS), "
            "e.g. https://reconnect.example.org; http:// is accepted only for localhost "
            "and 127.0.0.1")
    if s.smtp_username:
        if _is_placeholder(s.smtp_password):
            problems.append(
                "RECONNECT_SMTP_PASSWORD must be set to the relay's password when "
                "RECONNECT_SMTP_USERNAME is set (it is missing, empty or a placeholder "
                "such as change-me)")
        if s.smtp_security is SmtpSecurity.NONE and s.smtp_host not in LOCAL_HOSTS:
            problems.append(
                "RECONNECT_SMTP_SECURITY is none while RECONNECT_SMTP_USERNAME is set: the "
                "password would cross the network unencrypted. Set it to starttls (usually "
                "port 587) or tls (usually port 465)")
    elif s.smtp_password:
        problems.append(
            "RECONNECT_SMTP_PASSWORD is set but RECONNECT_SMTP_USERNAME is not, so the "
            "password is never used: set the user name too, or remove the password")
    for name, url in (("RECONNECT_DATABASE_URL", s.database_url),
                      ("RECONNECT_REDIS_URL", s.redis_url)):
        password = urlsplit(url or "").password
        if password is not None and _is_placeholder(unquote(password)):
            problems.append(
                f"{name} has an empty or placeholder password (such as change-me): give "
                "the server's user a real password and put that in the URL")
    return problems


def _is_placeholder(value: str | None) -> bool:
    return value is None or value.strip().lower() in PLACEHOLDERS


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
