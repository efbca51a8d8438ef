"""The development outbox: every message the local SMTP catcher received, as .eml files."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

_NAME = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{32}\.eml$")


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    to: str
    subject: str
    date: str
    html: str | None
    text: str | None


def store(directory: Path, raw: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = directory / f"{stamp}-{uuid.uuid4().hex}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(raw)
    tmp.rename(path)  # readers never see a half-written message
    return path


def _parse(path: Path) -> OutboxMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    return OutboxMessage(
        name=path.name, to=str(msg.get("To", "")), subject=str(msg.get("Subject", "")),
        date=str(msg.get("Date", "")),
        html=html.get_content() if isinstance(html, EmailMessage) else None,
        text=text.get_content() if isinstance(text, EmailMessage) else None,
    )


def list_messages(directory: Path, limit: int = 200) -> list[OutboxMessage]:
    if not directory.is_dir():
        return []
    paths = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    return [_parse(p) for p in paths]


def read_message(directory: Path, name: str) -> OutboxMessage | None:
    if not _NAME.match(name):
        return None
    path = directory / name
    return _parse(path) if path.is_file() else None
